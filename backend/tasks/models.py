"""The delivery log: one row per SMS, for operators. It never holds the code or the text."""

from django.db import models


class SmsDelivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENDING = "sending", "sending"
        RETRYING = "retrying", "retrying"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        STALE = "stale", "stale (code replaced, used or expired; nothing sent)"
        SKIPPED = "skipped", "skipped (test number: nothing sent)"

    class Receipt(models.TextChoices):
        DELIVERED = "delivered", "delivered"
        UNDELIVERED = "undelivered", "undelivered"
        REJECTED = "rejected", "rejected"
        EXPIRED = "expired", "expired (no final state before the give-up time)"

    # Handled for good: a task or a sweep that finds one of these sends nothing.
    DONE = (Status.SENT, Status.STALE, Status.FAILED, Status.SKIPPED)
    # Waiting for a worker to claim it (services.claim).
    WAITING = (Status.QUEUED, Status.RETRYING)

    class Scenario(models.TextChoices):
        # What a number is for, when it is not a person's (docs/sms.md).
        NONE = "", "-"
        TEST = "test", "test number (SMS_TEST_NUMBERS)"
        RETRY_ONCE = "retry_once", "QA: first send fails, the retry succeeds"
        REFUSED = "refused", "QA: refused for good"
        UNDELIVERED = "undelivered", "QA: sent, the receipt will say undelivered"
        NO_RECEIPT = "no_receipt", "QA: sent, no receipt will ever come"

    login_code = models.ForeignKey(
        "auth_phone.LoginCode",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    phone = models.CharField(max_length=16, db_index=True)
    # The notice's name (sms.NOTICES) for a notice without a code; empty for a login code.
    notice = models.CharField(max_length=32, blank=True, default="")
    backend = models.CharField(max_length=32)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_message_id = models.CharField(max_length=128, blank=True, default="")
    error = models.TextField(blank=True, default="")
    task_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The language the text is written in; empty on rows of earlier releases (the worker
    # then decides by the number's country).
    # db_default as well: the previous release, running beside this one during a deploy,
    # inserts rows without these columns.
    language = models.CharField(max_length=8, blank=True, default="", db_default="")
    # The segments the provider bills for the text, as the service expects them (0: unknown).
    segments = models.PositiveSmallIntegerField(default=0, db_default=0)
    scenario = models.CharField(
        max_length=16, choices=Scenario.choices, blank=True, default="", db_default=""
    )
    # While `sending`: the worker that claimed it owns it until then. A message for a
    # delivery claimed and still within its lease, or done, sends nothing; once the lease
    # ran out (the worker died) the sweep publishes it again.
    lease_until = models.DateTimeField(null=True, blank=True)
    # The provider that took the message (one of SMS_BACKEND), and what it later said about
    # it: the final state and when it was learnt. `receipt_due_at` is when to ask next
    # (None: nothing to ask, or asked for good).
    provider = models.CharField(max_length=32, blank=True, default="")
    receipt = models.CharField(max_length=16, choices=Receipt.choices, blank=True, default="")
    receipt_at = models.DateTimeField(null=True, blank=True)
    receipt_checks = models.PositiveSmallIntegerField(default=0)
    receipt_due_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "SMS delivery"
        verbose_name_plural = "SMS deliveries"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"SMS to {self.phone} ({self.status})"
