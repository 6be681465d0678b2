"""URLs of the participatory budget, mounted at /budget/ in the "budget" namespace."""

from django.urls import path

from hromada.budget import views

urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/", views.cycle_list, name="cycles"),
    path("my/", views.my_page, name="my"),
    path("open-data/", views.open_data, name="open_data"),
    path("rules/", views.rules_explained, name="rules"),
    path("<int:pk>/", views.cycle_page, name="cycle"),
    path("<int:pk>/projects/", views.project_list, name="projects"),
    path("<int:pk>/new/", views.new_project, name="new"),
    path("<int:pk>/vote/", views.vote_overview, name="vote_overview"),
    path("<int:pk>/vote/<int:category_pk>/", views.vote, name="vote"),
    path("<int:pk>/voted/<int:ballot_pk>/", views.voted, name="voted"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/implementation/", views.implementation, name="implementation"),
    path("<int:pk>/ballots.json", views.ballots_file, name="ballots_file"),
    path("<int:pk>/receipt/", views.receipt_check, name="receipt"),
    path("<int:pk>/pabulib/<int:category_pk>.pb", views.pabulib_file, name="pabulib"),
    path("projects/<int:pk>/", views.project_page, name="project"),
    path("projects/<int:pk>/edit/", views.edit_project, name="edit"),
    path("projects/<int:pk>/submit/", views.submit_project, name="submit"),
    path("projects/<int:pk>/photos/", views.add_photo, name="add_photo"),
    path("photos/<int:pk>/remove/", views.remove_photo, name="remove_photo"),
    path("staff/review/", views.review_list, name="review_list"),
    path("staff/projects/<int:pk>/", views.review, name="review"),
    path("staff/projects/<int:pk>/implementation/", views.report, name="report"),
    path("staff/<int:pk>/offline/", views.offline, name="offline"),
    path("staff/<int:pk>/results/", views.staff_results, name="staff_results"),
]
