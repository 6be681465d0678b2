"""Mount the core, every enabled module at /<name>/, the API and the back office."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from hromada.api.api import api
from hromada.core import registry

admin.site.site_header = "Hromada"
admin.site.site_title = "Hromada"

# The modules and Open311 first: their requests (a signature, a report, a
# webhook) are the busiest, and each pattern tried before costs a little on
# every request. No two of these prefixes overlap, so the order changes
# nothing else.
urlpatterns = registry.extra_urlpatterns()
for module in registry.modules():
    if module.urls:
        urlpatterns.append(path(f"{module.name}/", include((module.urls, module.name))))
urlpatterns += [
    path("", include("hromada.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

if not settings.PRODUCTION:
    # The embedded installation serves public uploads itself; in production
    # nginx does (docs/deploy.md).
    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )

handler400 = "hromada.core.uploads.bad_request"  # 413 for uploads over the limit
handler403 = "hromada.core.views.error_403"
handler404 = "hromada.core.views.error_404"
handler500 = "hromada.core.views.error_500"
