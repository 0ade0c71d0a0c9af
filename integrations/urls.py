from django.urls import path

from integrations import views

urlpatterns = [
    path("integrations/", views.integrations_home, name="integrations-home"),
    path("integrations/upload/", views.edi_document_upload, name="edi-document-upload"),
    path(
        "integrations/edi-documents/<int:edi_document_id>/",
        views.edi_document_detail,
        name="edi-document-detail",
    ),
    path(
        "integrations/edi-documents/<int:edi_document_id>/status/",
        views.edi_document_status,
        name="edi-document-status",
    ),
    path(
        "integrations/edi-documents/<int:edi_document_id>/original/",
        views.edi_document_original,
        name="edi-document-original",
    ),
    path(
        "partnerships/<int:partnership_id>/integrations/",
        views.partnership_integrations,
        name="partnership-integrations",
    ),
]
