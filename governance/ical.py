"""iCalendar (RFC 5545) for meetings, built with the `icalendar` library: one invitation per
meeting and the per-user feed. Each event's UID is stable, so a calendar app updates it in place
when the meeting moves or is cancelled."""

from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from governance.models import Meeting

PRODID = "-//Partnerline//Governance//EN"


def _uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.organization_id}-{meeting.pk}@partnerline"


def _event(meeting: Meeting, *, url: str = "", attendees=()) -> Event:
    event = Event()
    event.add("uid", _uid(meeting))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.title)
    event.add("sequence", 1 if meeting.status == Meeting.Status.CANCELLED else 0)
    event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED")
    if meeting.location:
        event.add("location", meeting.location)
    description = "\n".join(f"{i}. {item}" for i, item in enumerate(meeting.agenda_items, 1))
    if description:
        event.add("description", "Agenda:\n" + description)
    if url:
        event.add("url", url)
    for user in attendees:
        attendee = vCalAddress(f"mailto:{user.email}")
        attendee.params["cn"] = vText(user.display_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    return event


def _calendar(name: str, method: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    if method:
        calendar.add("method", method)
    return calendar


def meeting_invitation(meeting: Meeting, *, url: str, attendees) -> bytes:
    calendar = _calendar(meeting.title, method="REQUEST")
    calendar.add_component(_event(meeting, url=url, attendees=attendees))
    return calendar.to_ical()


def meetings_feed(meetings, *, name: str, url_for) -> bytes:
    calendar = _calendar(name)
    for meeting in meetings:
        calendar.add_component(_event(meeting, url=url_for(meeting)))
    return calendar.to_ical()
