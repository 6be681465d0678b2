"""Open311 GeoReport v2, mounted at the site root (/open311/…) by the module registry."""

from django.urls import include, path, re_path

from hromada.appeals import open311

FORMAT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

v2_patterns = [
    path("", open311.index, name="index"),
    re_path(r"^discovery" + FORMAT, open311.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FORMAT, open311.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, open311.requests_resource, name="requests"),
    re_path(r"^requests/(?P<pk>[^/.]+)" + FORMAT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/.]+)" + FORMAT, open311.token_detail, name="token"),
    re_path(r"^(?P<rest>.+)$", open311.not_found),
]

open311_patterns = [
    path("", open311.index, name="root"),
    re_path(r"^discovery" + FORMAT, open311.discovery, name="root_discovery"),
    path("v2/", include(v2_patterns)),
]

urlpatterns = [path("open311/", include((open311_patterns, "open311")))]
