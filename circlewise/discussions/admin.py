"""Discussions in the admin: read-only. Comments are written, edited and withdrawn by their
authors through the services; staff have no reason to change them."""

from __future__ import annotations

from django.contrib import admin

from circlewise.circles.admin import ReadOnlyAdmin

from .models import Comment, CommentEdit, Thread


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin[Thread]):
    list_display = ["__str__", "circle", "shared_at", "created_at"]
    list_select_related = ["circle"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin[Comment]):
    list_display = ["__str__", "author", "created_at", "edited_at", "withdrawn_at"]
    list_select_related = ["author", "thread"]
    raw_id_fields = ["thread", "author", "reply_to"]


@admin.register(CommentEdit)
class CommentEditAdmin(ReadOnlyAdmin[CommentEdit]):
    list_display = ["__str__", "replaced_at"]
    raw_id_fields = ["comment"]
