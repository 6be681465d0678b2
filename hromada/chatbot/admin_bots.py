"""
Back office of the chatbot's channels: the community's bots (the token is
entered here and stored encrypted, never shown again), its conversations
(read only: staff answer in the inbox) and broadcasts (sent from the composer).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hromada.chatbot.models import Bot, Broadcast, Chat
from hromada.core.admin import ROLE, ScopedAdmin


class BotForm(forms.ModelForm):
    token = forms.CharField(
        label=_("token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "From @BotFather or the Viber admin panel; stored encrypted. Leave empty to keep."
        ),
    )

    class Meta:
        model = Bot
        fields = ["channel", "name", "username", "active"]


@admin.register(Bot)
class BotAdmin(ScopedAdmin):
    form = BotForm
    list_display = ["name", "channel", "username", "active", "created_at"]
    list_filter = ["channel", "active"]
    view_roles = (ROLE.MODERATOR,)
    edit_roles = (ROLE.MODERATOR,)
    readonly_fields = ["created_at", "webhook_path"]

    @admin.display(description=_("webhook address"))
    def webhook_path(self, obj):
        if not obj.pk:
            return "—"
        return f"/chatbot/{obj.channel}/{obj.pk}/"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        token = form.cleaned_data.get("token")
        if token:
            from hromada.chatbot.services_chat import set_bot_token

            set_bot_token(bot=obj, token=token, actor=request.user)


@admin.register(Chat)
class ChatAdmin(ScopedAdmin):
    list_display = ["__str__", "channel", "handover", "subscribed", "blocked", "last_message_at"]
    list_filter = ["channel", "handover", "subscribed", "blocked"]
    readonly_fields = [f.name for f in Chat._meta.fields if f.name != "id"]
    exclude = ["data"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Broadcast)
class BroadcastAdmin(ScopedAdmin):
    list_display = ["__str__", "recipients", "viber_recipients", "estimated_cost", "status"]
    list_filter = ["topic", "status"]
    readonly_fields = [f.name for f in Broadcast._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return False  # the composer (chatbot:broadcasts) previews and sends

    def has_change_permission(self, request, obj=None):
        return False
