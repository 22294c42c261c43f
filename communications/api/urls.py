"""``/api/v1`` routes of the communications app: the ``communication/email/`` paths of
spec/endpoints.txt, no trailing slash."""

from django.urls import path

from . import views

urlpatterns = [
    path("communication/email/templates", views.TemplateCollectionView.as_view(), name="email-templates"),
    path("communication/email/templates/<id:pk>", views.TemplateDetailView.as_view(), name="email-template"),
    path("communication/email/templates/<id:pk>/html", views.TemplateHtmlView.as_view(), name="email-template-html"),
    path(
        "communication/email/templates/<id:pk>/preview",
        views.TemplatePreviewView.as_view(),
        name="email-template-preview",
    ),
    path("communication/email/campaigns", views.CampaignCollectionView.as_view(), name="email-campaigns"),
    path("communication/email/campaigns/<id:pk>", views.CampaignDetailView.as_view(), name="email-campaign"),
    path("communication/email/campaigns/<id:pk>/send", views.CampaignSendView.as_view(), name="email-campaign-send"),
]
