from django.urls import path

from hromada.petitions import views

urlpatterns = [
    path("", views.petition_list, name="list"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("signed/", views.signed, name="signed"),
    path("open-data/", views.open_data, name="open_data"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/signers/", views.signer_list, name="signers"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("staff/", views.staff_queue, name="staff_queue"),
    path("staff/<int:pk>/", views.staff_petition, name="staff_petition"),
    path("staff/<int:pk>/publish/", views.staff_publish, name="staff_publish"),
    path("staff/<int:pk>/assign/", views.staff_assign, name="staff_assign"),
    path("staff/<int:pk>/reject/", views.staff_reject, name="staff_reject"),
    path("staff/<int:pk>/hide/", views.staff_hide, name="staff_hide"),
    path("staff/<int:pk>/unhide/", views.staff_unhide, name="staff_unhide"),
    path("staff/<int:pk>/answer/", views.staff_answer, name="staff_answer"),
]
