"""Forms for the discussion pages: a comment (or a reply), an edit, and a proposal started from a
discussion. They check the shape of the input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from circlewise.core.inputs import PROPOSAL_TEXT_LIMIT, TEXT_LIMIT

from .models import COMMENT_LIMIT

EMPTY = _("Write something first: the comment is empty.")
TOO_LONG = _("A comment can be at most %(limit)s characters long; this one has %(count)s.")


class CommentField(forms.CharField):
    """A comment's text: the limit stated to the browser, and said with grouped digits."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"rows": 4, "maxlength": COMMENT_LIMIT}
        super().__init__(widget=forms.Textarea(attrs=attrs), **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and len(value) > COMMENT_LIMIT:
            raise forms.ValidationError(
                TOO_LONG
                % {
                    "limit": formats.number_format(COMMENT_LIMIT, force_grouping=True),
                    "count": formats.number_format(len(value), force_grouping=True),
                },
                code="max_length",
            )


def _comment_field(label: str | Any) -> forms.CharField:
    return CommentField(
        label=label,
        help_text=_(
            "Markdown is allowed (*emphasis*, **bold**, lists, links). Mention a member of the "
            "circle with @ and their handle, listed below: they are told."
        ),
        error_messages={"required": EMPTY},
    )


class CommentForm(forms.Form):
    text = _comment_field(_("Your comment"))
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, reply: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if reply:
            self.fields["text"].label = _("Your reply")


class EditCommentForm(forms.Form):
    text = _comment_field(_("Your comment"))


class StartProposalForm(forms.Form):
    """A draft written from a discussion: its driver comes filled in from the thread."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": _("A proposal needs a title.")},
    )
    driver = forms.CharField(
        label=_("Driver"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_LIMIT,
        help_text=_(
            "The need or tension this proposal answers. It starts from the topic and its "
            "discussion, with a link back to it: change it as you like."
        ),
        error_messages={"required": _("Say what need or tension this proposal answers.")},
    )
    text = forms.CharField(
        label=_("Proposal"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=PROPOSAL_TEXT_LIMIT,
        help_text=_("What you propose, in plain words. Markdown is allowed."),
        error_messages={"required": _("Write what you propose.")},
    )
