"""Mount the core, every enabled module at /<name>/, the API and the back office."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from hromada.api.api import api
from hromada.core import registry

admin.site.site_header = "Hromada"
admin.site.site_title = "Hromada"

urlpatterns = [
    path("", include("hromada.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
for module in registry.modules():
    if module.urls:
        urlpatterns.append(path(f"{module.name}/", include((module.urls, module.name))))
urlpatterns += registry.extra_urlpatterns()

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler403 = "hromada.core.views.error_403"
handler404 = "hromada.core.views.error_404"
handler500 = "hromada.core.views.error_500"
