from django.contrib.auth import views as auth_views
from django.urls import path

from hromada.core import observability, views, views_phone

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", observability.readyz, name="readyz"),
    path("metrics", observability.metrics, name="metrics"),
    path("community.json", views.community_json, name="community_json"),
    path("open-data/", views.open_data, name="open_data"),
    path("accounts/sign-up/", views.sign_up, name="sign_up"),
    path("accounts/sign-up/sent/", views.sign_up_done, name="sign_up_done"),
    path("accounts/log-in/", views.LogInView.as_view(), name="login"),
    path("accounts/log-out/", views.log_out, name="logout"),
    path("accounts/confirm/<uidb64>/<token>/", views.confirm_email, name="confirm_email"),
    path("accounts/confirm/resend/", views.resend_confirmation, name="resend_confirmation"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="core/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/profile/links/", views.add_link, name="add_link"),
    path("accounts/profile/phone/", views_phone.send_phone_code, name="send_phone_code"),
    path("accounts/profile/phone/confirm/", views_phone.confirm_phone, name="confirm_phone"),
    path("accounts/profile/phone/remove/", views_phone.remove_phone, name="remove_phone"),
    path("accounts/profile/sms/", views_phone.choose_sms, name="choose_sms"),
    path("accounts/profile/links/<int:pk>/remove/", views.remove_link, name="remove_link"),
    path("accounts/profile/tokens/", views.issue_token, name="issue_token"),
    path("accounts/profile/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("accounts/profile/tokens/revoke-all/", views.revoke_all_tokens, name="revoke_all_tokens"),
    path("accounts/delete/", views.delete_account, name="delete_account"),
    path("accounts/identity/", views.identity, name="identity"),
    path("accounts/identity/start/", views.identity_start, name="identity_start"),
    path("accounts/identity/callback/", views.identity_callback, name="identity_callback"),
    path("staff/", views.dashboard, name="dashboard"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("privacy/v<int:version>/", views.privacy_notice, name="privacy_version"),
    path("accounts/privacy/", views.consent, name="consent"),
    path("accounts/my-data/", views.my_data, name="my_data"),
    path("staff/identify/", views.identify_person, name="identify_person"),
    path("help/", views.help_index, name="help"),
    path("help/<slug:slug>/", views.help_guide, name="help_guide"),
    path("my/", views.my_hromada, name="my_hromada"),
    path("accounts/notifications/", views.notifications_list, name="notifications"),
]
