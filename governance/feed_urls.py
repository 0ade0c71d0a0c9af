"""The calendar feed, outside /o/<slug>/: calendar apps have no session, the token is the key."""

from django.urls import path

from governance import board_views

urlpatterns = [
    path("<str:token>", board_views.calendar_feed, name="calendar-feed"),
]
