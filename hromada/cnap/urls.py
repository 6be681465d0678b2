from django.urls import path

from hromada.cnap import stats_views, views

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("services/<int:pk>/", views.service, name="service"),
    path("services/<int:pk>/book/", views.book, name="book"),
    path("services/<int:pk>/join/", views.join, name="join"),
    path("services/<int:pk>/join-by-phone/", views.join_phone, name="join_phone"),
    path("phone/<uuid:token>/", views.confirm_phone, name="confirm_phone"),
    path("offices/<int:pk>/", views.office, name="office"),
    path("offices/<int:pk>/<str:action>/", views.office_action, name="office_action"),
    path("mine/", views.mine, name="mine"),
    path("bookings/<int:pk>/cancel/", views.cancel_booking, name="cancel_booking"),
    path("bookings/<int:pk>/calendar.ics", views.booking_ics, name="booking_ics"),
    path("tickets/<uuid:token>/", views.ticket, name="ticket"),
    path("tickets/<uuid:token>/status/", views.ticket_status, name="ticket_status"),
    path("tickets/<uuid:token>/cancel/", views.cancel_ticket, name="cancel_ticket"),
    path("kiosk/<int:pk>/", views.kiosk, name="kiosk"),
    path("kiosk/<int:pk>/issue/", views.kiosk_issue, name="kiosk_issue"),
    path("kiosk/<int:pk>/check-in/", views.kiosk_check_in, name="kiosk_check_in"),
    path("kiosk/<int:pk>/tickets/<uuid:token>/", views.kiosk_ticket, name="kiosk_ticket"),
    path("board/<int:pk>/", views.board_page, name="board"),
    path("board/<int:pk>/feed/", views.board_feed, name="board_feed"),
    path("voice.wav", views.voice, name="voice"),
    path("console/", views.console, name="console"),
    path("console/desks/<int:pk>/", views.desk, name="desk"),
    path("console/desks/<int:pk>/panel/", views.desk_panel, name="desk_panel"),
    path("console/desks/<int:pk>/<str:action>/", views.desk_action, name="desk_action"),
    path("statistics/", stats_views.statistics, name="statistics"),
    path("statistics/export.<str:fmt>", stats_views.statistics_export, name="statistics_export"),
    path("open-data/", stats_views.open_data, name="open_data"),
]
