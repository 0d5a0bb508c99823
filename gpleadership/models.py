from django.conf import settings
from django.db import models


class DigestDelivery(models.Model):
    """One weekly digest for one person: the unit of work the Celery task claims, so a retry never sends twice."""

    week_starting = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="digests")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-week_starting", "recipient_id"]
        constraints = [
            models.UniqueConstraint(fields=["week_starting", "recipient"], name="one_digest_per_person_per_week")
        ]

    def __str__(self):
        return f"Digest for {self.recipient_id}, week of {self.week_starting}"
