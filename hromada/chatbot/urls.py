from django.urls import path

from hromada.chatbot import views

urlpatterns = [
    path("", views.webchat, name="webchat"),
    path("chat/send/", views.webchat_send, name="webchat_send"),
    path("chat/messages/", views.webchat_messages, name="webchat_messages"),
    path("link/", views.link, name="link"),
    path("telegram/<int:pk>/", views.telegram_webhook, name="telegram_webhook"),
    path("viber/<int:pk>/", views.viber_webhook, name="viber_webhook"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.conversation, name="conversation"),
    path("broadcasts/", views.broadcasts, name="broadcasts"),
    path("statistics/", views.statistics, name="statistics"),
]
