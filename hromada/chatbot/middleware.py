"""
The platforms' webhooks take a short lane of the middleware chain (hromada.core.lanes).

Telegram and Viber post every update a resident sends, and wait for the
acknowledgement; the webhook view stores the update and answers with an empty
body. Of the chain after the lanes' middleware the acknowledgement keeps the
community of the host, the refusal of NUL characters and the per-view
metrics; it leaves out what serves pages for people: sessions, the signed-in
resident, messages, language (the default one is activated: the webhook
answers no text, and the engine sets the chat's own language where it
replies), the privacy consent, CSRF (the views are exempt: the platform's
secret is checked instead), the Content-Security-Policy and frame headers of
pages, the log-in lock-out and the rate-limit page.
"""

from __future__ import annotations

from hromada.core.lanes import FOR_PAGES, Lane

WEBHOOK_LANE = Lane(
    name="chatbot webhooks",
    paths=r"/chatbot/(?:telegram|viber)/[0-9]+/",
    views=frozenset({"chatbot:telegram_webhook", "chatbot:viber_webhook"}),
    skip=FOR_PAGES
    | {
        "hromada.core.middleware.ContentSecurityPolicyMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "django_ratelimit.middleware.RatelimitMiddleware",
    },
)
