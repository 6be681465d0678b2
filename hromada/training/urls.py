from django.urls import path

from hromada.training import views

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("courses/<int:pk>/", views.course, name="course"),
    path("courses/<int:pk>/start/", views.start_test, name="start_test"),
    path("courses/<int:pk>/lessons/<int:lesson_pk>/", views.lesson, name="lesson"),
    path("attempts/<int:pk>/", views.attempt, name="attempt"),
    path("attempts/<int:pk>/answer/", views.save_answer, name="save_answer"),
    path("attempts/<int:pk>/submit/", views.submit, name="submit"),
    path("mine/", views.mine, name="mine"),
    path("mine/records/", views.add_record, name="add_record"),
    path("certificates/<str:code>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("progress/", views.progress, name="progress"),
    path("progress/export.xlsx", views.progress_export, name="progress_export"),
    path("progress/departments/<int:pk>/", views.department, name="department"),
    path(
        "progress/departments/<int:pk>/export.xlsx",
        views.department_export,
        name="department_export",
    ),
    path("records/", views.records, name="records"),
    path("records/<int:pk>/decide/", views.decide_record, name="decide_record"),
    path("records/<int:pk>/file/", views.record_file, name="record_file"),
    path("certificates/<int:pk>/revoke/", views.revoke, name="revoke"),
]
