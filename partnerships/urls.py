from django.urls import path

from partnerships import views

urlpatterns = [
    path("partnerships/", views.partnership_list, name="partnership-list"),
    path(
        "partnerships/<int:partnership_id>/",
        views.partnership_detail,
        name="partnership-detail",
    ),
]
