from django.urls import path

from hromada.appeals import views

app_name = "appeals"

urlpatterns = [
    path("", views.map_view, name="map"),
    path("list/", views.report_list, name="list"),
    path("markers.json", views.markers, name="markers"),
    path("nearby.json", views.nearby_json, name="nearby"),
    path("streets.json", views.streets_json, name="streets"),
    path("streets/nearest.json", views.nearest_street_json, name="nearest_street"),
    path("report/", views.report_start, name="report"),
    path("report/<slug:code>/", views.report_place, name="report_place"),
    path("report/<slug:code>/details/", views.report_details, name="report_details"),
    path("write/", views.write, name="write"),
    path("mine/", views.mine, name="mine"),
    path("statistics/", views.statistics_view, name="statistics"),
    path("open-data/", views.open_data, name="open_data"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("<int:pk>/photos/cover/", views.photo, name="cover"),
    path("<int:pk>/support/", views.support, name="support"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("staff/", views.staff_queue, name="staff_queue"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/<slug:action>/", views.staff_action, name="staff_action"),
]
