from django.urls import path

from hromada.schools import views

urlpatterns = [
    path("", views.home, name="home"),
    path("diary/<int:pk>/", views.diary, name="diary"),
    path("diary/<int:pk>/grades/", views.diary_grades, name="diary_grades"),
    path("diary/<int:pk>/notes/", views.diary_notes, name="diary_notes"),
    path("journal/<int:pk>/", views.journal, name="journal"),
    path("journal/<int:pk>/lessons/new/", views.new_lesson, name="new_lesson"),
    path("journal/<int:pk>/lessons/<int:lesson>/", views.column, name="column"),
    path("journal/<int:pk>/lessons/<int:lesson>/cells/<int:pupil>/", views.cell, name="cell"),
    path("journal/<int:pk>/lessons/<int:lesson>/history/", views.column_history, name="history"),
    path("journal/<int:pk>/lessons/<int:lesson>/files/", views.attach, name="attach"),
    path("files/<int:pk>/", views.homework_file, name="homework_file"),
    path("journal/<int:pk>/export.csv", views.journal_export, name="journal_export"),
    path("journal/<int:pk>/plan/", views.plan_import, name="plan_import"),
    path("classes/<int:pk>/", views.class_page, name="class"),
    path("classes/<int:pk>/archive/", views.make_archive, name="make_archive"),
    path("notes/<int:pk>/decide/", views.decide_note, name="decide_note"),
    path("schools/<int:pk>/", views.school_page, name="school"),
    path("schools/<int:pk>/semester.xlsx", views.semester_export, name="semester_export"),
    path("schools/<int:pk>/<str:action>/", views.school_action, name="school_action"),
    path("archives/<int:pk>/<str:kind>/", views.archive_file, name="archive_file"),
    path("department/", views.department, name="department"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
