from django.urls import path

from hromada.consultations import views

urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("open-data/", views.open_data, name="open_data"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/countdown/", views.countdown, name="countdown"),
    path("<int:pk>/articles/<str:key>/", views.article, name="article"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/amend/", views.amend, name="amend"),
    path("<int:pk>/diff/", views.diff, name="diff"),
    path("<int:pk>/survey/", views.survey_form, name="survey"),
    path("<int:pk>/results/", views.survey_results, name="results"),
    path("<int:pk>/results/export.<str:fmt>", views.results_export, name="results_export"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/propose/", views.hearing_proposal, name="hearing_proposal"),
    path("<int:pk>/report/", views.report_page, name="report"),
    path("<int:pk>/report.<str:fmt>", views.report_file, name="report_file"),
    path("comments/<int:pk>/vote/", views.vote, name="vote"),
    path("initiatives/", views.initiative_list, name="initiatives"),
    path("initiatives/new/", views.initiative_new, name="initiative_new"),
    path("initiatives/<int:pk>/", views.initiative, name="initiative"),
    path("initiatives/<int:pk>/sign/", views.initiative_sign, name="initiative_sign"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/new/", views.staff_edit, name="staff_new"),
    path("staff/<int:pk>/", views.staff_consultation, name="staff_consultation"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/report/", views.staff_report_preview, name="staff_report"),
    path("staff/<int:pk>/<str:action>/", views.staff_action, name="staff_action"),
]
