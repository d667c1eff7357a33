"""Reply by email: an answer to a notification's email lands in its thread, as its author.

The emails about a clarifying question (to the proposal's author) and about an objection's
thread (to the objector, the author and the facilitator) carry a Reply-To address made for that
person and that thread: `reply+q<question>-<person>-<signature>@<REPLY_DOMAIN>` or
`reply+o<objection>-…`. The signature is an HMAC of the rest with the site's secret, so the
address is useless to anyone else: a reply is taken only when the address is one this site signed
for that thread, the message comes from that person's own email address, and its Message-ID was
not taken before. The quoted text is removed (mail-parser-reply), and the rest goes through the
same service as the page's form (`answer_question`, `discuss_objection`): the same rules, the
same ledger event. A reply that is refused changes nothing and is answered by nobody (no
automatic answer to an unknown sender); the log says why.

Mail arrives through the receiver (`manage.py receive_mail`, aiosmtpd: SMTP or LMTP), which
writes each accepted message to the spool directory before it says 250, so nothing acknowledged
is lost, and `process_spool` takes them from there.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django.utils.html import strip_tags
from mailparser_reply import EmailReplyParser

from circlewise.accounts.models import User
from circlewise.core.errors import ServiceError

from .models import InboundReply

logger = logging.getLogger(__name__)

SALT = "circlewise.notifications.reply"
ADDRESS = re.compile(r"^reply\+([qo])(\d+)-(\d+)-([0-9a-f]{24})$")
MAX_TEXT = 20_000


def reply_domain() -> str:
    """Where replies go: REPLY_DOMAIN, else the domain of DEFAULT_FROM_EMAIL; "" (no Reply-To)
    when neither is set."""
    configured = str(getattr(settings, "REPLY_DOMAIN", "") or "")
    if configured:
        return configured
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]


def _signature(thread: str, user_id: int) -> str:
    return salted_hmac(SALT, f"{thread}-{user_id}", algorithm="sha256").hexdigest()[:24]


def reply_address(*, kind: str, object_id: int, user_id: int) -> str:
    """The address a person's reply about this thread goes to ("q": a question, "o": an
    objection); "" when the site has no reply domain."""
    domain = reply_domain()
    if not domain:
        return ""
    thread = f"{kind}{object_id}"
    return f"reply+{thread}-{user_id}-{_signature(thread, user_id)}@{domain}"


@dataclass(frozen=True)
class Thread:
    kind: str  # "q" or "o"
    object_id: int
    user_id: int


def read_address(address: str) -> Thread | None:
    """The thread and person an address names, if this site signed it; else None."""
    local, _at, domain = address.strip().lower().rpartition("@")
    if not local or domain != reply_domain().lower():
        return None
    match = ADDRESS.match(local)
    if match is None:
        return None
    kind, object_id, user_id, signature = match.groups()
    if not secrets.compare_digest(signature, _signature(f"{kind}{object_id}", int(user_id))):
        return None
    return Thread(kind, int(object_id), int(user_id))


def is_ours(address: str) -> bool:
    """Whether an address could be a reply address of this site (checked before the message is
    taken: anything else is no address here)."""
    local, _at, domain = address.strip().lower().rpartition("@")
    return domain == reply_domain().lower() and local.startswith("reply+")


def reply_text(message: EmailMessage) -> str:
    """What the person wrote, without the quoted email below it or their signature."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = str(body.get_content())
    if body.get_content_type() == "text/html":
        text = strip_tags(text)
    parsed = EmailReplyParser(languages=["en", "de", "fr", "es", "nl", "it"]).parse_reply(text=text)
    return str(parsed or "").strip()[:MAX_TEXT]


def receive(raw: bytes, recipients: list[str]) -> str:
    """Take one message sent to these addresses: "posted", or why it was refused. Refused
    messages change nothing."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    message_id = str(message.get("Message-ID", "")).strip()[:255]
    if not message_id:
        return _refused("", "it has no Message-ID")
    if str(message.get("Auto-Submitted", "no")).lower() not in ("", "no"):
        return _refused(message_id, "it was sent automatically")  # an out-of-office, a bounce
    threads = [t for t in map(read_address, recipients) if t is not None]
    if not threads:
        return _refused(message_id, "no address it was sent to was signed here")
    thread = threads[0]
    user = User.objects.filter(pk=thread.user_id, is_active=True).first()
    senders = [a.lower() for _name, a in getaddresses([str(message.get("From", ""))]) if a]
    if user is None or senders != [user.email.lower()]:
        return _refused(message_id, "it does not come from the person the address was made for")
    text = reply_text(message)
    if not text:
        return _refused(message_id, "it has no text of its own")
    try:
        with transaction.atomic():
            InboundReply.objects.create(
                message_id=message_id, user=user, thread=f"{thread.kind}{thread.object_id}"
            )
            _post(thread, user, text)
    except IntegrityError:
        return _refused(message_id, "it was taken before (the same Message-ID)")
    except ServiceError as error:
        return _refused(message_id, f"the thread refused it: {error.text}")
    logger.info("Took the reply %s by %s into thread %s.", message_id, user.pk, thread)
    return "posted"


def _post(thread: Thread, user: User, text: str) -> None:
    from circlewise.decisions import services
    from circlewise.decisions.models import Contribution, Objection

    if thread.kind == "q":
        question = (
            Contribution.objects.select_related("proposal__circle__organisation")
            .filter(pk=thread.object_id, kind=Contribution.Kind.QUESTION)
            .first()
        )
        if question is None:
            raise ServiceError("the question no longer exists")
        services.answer_question(question=question, actor=user, text=text)
    else:
        objection = (
            Objection.objects.select_related("proposal__circle__organisation")
            .filter(pk=thread.object_id)
            .first()
        )
        if objection is None:
            raise ServiceError("the objection no longer exists")
        services.discuss_objection(objection=objection, author=user, text=text)


def _refused(message_id: str, why: str) -> str:
    logger.warning("Refused the reply %s: %s. Nothing changed.", message_id or "(no id)", why)
    return why


# The spool: what the receiver accepted, until it is taken ------------------------------------


def spool_dir() -> Path:
    path = Path(str(getattr(settings, "MAIL_SPOOL", "") or settings.BASE_DIR / "var" / "mail"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def spool(raw: bytes, recipients: list[str]) -> Path:
    """Keep an accepted message on disk (written, then renamed into place) before it is
    acknowledged: the recipients on the first line, then the message as it came."""
    directory = spool_dir()
    name = f"{secrets.token_hex(12)}.eml"
    partial = directory / f".{name}.part"
    partial.write_bytes(" ".join(recipients).encode() + b"\n" + raw)
    final = directory / name
    partial.rename(final)
    return final


def process_spool() -> dict[str, str]:
    """Take every spooled message (oldest first) and remove it: {file name: outcome}."""
    outcomes = {}
    files = sorted(spool_dir().glob("*.eml"), key=lambda p: p.stat().st_mtime)
    for path in files:
        head, _newline, raw = path.read_bytes().partition(b"\n")
        outcomes[path.name] = receive(raw, head.decode(errors="replace").split())
        path.unlink()
    return outcomes
