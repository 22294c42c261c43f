"""Payments API, included at ``/api/v1/``."""

from django.urls import path

from payments import views as webhooks

from . import views

urlpatterns = [
    path("public/payment/process", views.PaymentProcessView.as_view(), name="payment-process"),
    path("public/payment/validate", views.PaymentValidateView.as_view(), name="payment-validate"),
    path("public/payment/methods", views.PaymentMethodsView.as_view(), name="payment-methods"),
    path("public/payment/setup-intent", views.SetupIntentView.as_view(), name="payment-setup-intent"),
    path("public/payment/confirm", views.PaymentConfirmView.as_view(), name="payment-confirm"),
    path("public/payment/webhooks/stripe", webhooks.stripe_webhook, name="payment-webhook-stripe"),
    path("public/payment/webhooks/paypal", webhooks.paypal_webhook, name="payment-webhook-paypal"),
    path("public/payment/webhooks/brevo", webhooks.brevo_webhook, name="payment-webhook-brevo"),
    path("webhooks/stripe", webhooks.stripe_webhook, name="webhook-stripe"),
    path("consulting/payments/intent", views.ConsultingPaymentIntentView.as_view(), name="consulting-payments-intent"),
    path("consulting/payment/intent", views.ConsultingPaymentIntentView.as_view(), name="consulting-payment-intent"),
    path("consulting/payment/confirm", views.ConsultingPaymentConfirmView.as_view(), name="consulting-payment-confirm"),
    path("consulting/subscriptions", views.SubscriptionCreateView.as_view(), name="consulting-subscriptions"),
]
