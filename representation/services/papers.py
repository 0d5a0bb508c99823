"""Papers of forum meetings (members.papers does the rest: briefings and requests need nothing of their own)."""

from django.core.exceptions import ValidationError

from members import papers
from members.models import User

from ..models import AgendaItem, Meeting, MeetingPaper


def meeting_paper_add(
    *, meeting: Meeting, file, kind: str = MeetingPaper.Kind.PAPER, agenda_item: AgendaItem | None = None,
    title: str = "", uploaded_by: User, supersedes: MeetingPaper | None = None,
) -> MeetingPaper:
    """Add the minutes of a forum meeting or a paper for it, for the whole meeting or one item on its agenda. A new
    version keeps the kind and agenda item of the paper it supersedes."""
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": "Choose an item on this meeting's agenda."})
    if kind not in MeetingPaper.Kind.values:
        raise ValidationError({"kind": "Choose whether it is the minutes or a paper."})
    return papers.paper_add(owner=meeting, file=file, title=title, uploaded_by=uploaded_by, supersedes=supersedes,
                            kind=kind, agenda_item=agenda_item)
