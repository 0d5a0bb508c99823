from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: people join through an invitation from a chair or gatekeeper."""

    def is_open_for_signup(self, request):
        return False
