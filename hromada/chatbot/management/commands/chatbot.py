"""
``python -m hromada chatbot``: the chatbot's knowledge base from the command line.

- ``kb-import FILE --community SLUG [--replace]`` creates or updates entries by
  their ``id`` from a JSON list of ``{"id", "question", "variants", "answer",
  "tags"}``; ``--replace`` deletes the community's other entries. Importing the
  same file twice changes nothing. Prints the counts as one JSON object.
- ``kb-export --community SLUG`` prints the entries in the import format.
- ``kb-vectors FILE --community SLUG`` writes the matcher's cached vectors to
  FILE (the demo ships them, so a fresh install answers at once).
- ``ask [TEXT] --community SLUG`` answers TEXT, or each line of standard input
  in order, printing one JSON object per line: ``{"answer_id", "confidence",
  "alternatives", "handover", "answer"}``.
- ``set-webhook --community SLUG [--bot ID] [--base-url URL]`` tells Telegram
  (setWebhook, with the bot's secret token) and Viber (set_webhook) where to
  post updates: ``<base>/chatbot/telegram/<id>/`` and ``<base>/chatbot/viber/<id>/``,
  the base being the community's public address unless given. Both platforms
  take only HTTPS. Prints one JSON object per bot; fails when any bot failed.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from hromada.core.errors import DomainError

MAX_FILE_BYTES = 20 * 1024 * 1024


class Command(BaseCommand):
    help = "Chatbot knowledge base: import, export and ask."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("kb-import", help="Create or update knowledge base entries by id.")
        imp.add_argument("file")
        imp.add_argument("--community", required=True, help="The community's short name.")
        imp.add_argument(
            "--replace", action="store_true", help="Delete the community's other entries."
        )
        exp = sub.add_parser("kb-export", help="Print the knowledge base in the import format.")
        exp.add_argument("--community", required=True, help="The community's short name.")
        vec = sub.add_parser("kb-vectors", help="Write the cached vectors to a file to ship.")
        vec.add_argument("file")
        vec.add_argument("--community", required=True, help="The community's short name.")
        ask = sub.add_parser("ask", help="Answer a question, or each line of standard input.")
        ask.add_argument("text", nargs="?")
        ask.add_argument("--community", required=True, help="The community's short name.")
        hook = sub.add_parser("set-webhook", help="Register the bots' webhook addresses.")
        hook.add_argument("--community", required=True, help="The community's short name.")
        hook.add_argument("--bot", type=int, help="Only this bot (its number in the back office).")
        hook.add_argument(
            "--base-url",
            help="The site's public HTTPS address (default: the community's own address).",
        )

    def handle(self, *args, action, **options):
        return getattr(self, "_" + action.replace("-", "_"))(**options)

    def _community(self, slug: str):
        from hromada.core.models import Community

        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise CommandError(f"No community with the short name {slug!r}.")
        return community

    def _kb_import(self, *, file, community, replace=False, **_):
        from hromada.chatbot import knowledge
        from hromada.chatbot.services import import_knowledge

        target = self._community(community)
        try:
            with open(file, "rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        if len(raw) > MAX_FILE_BYTES:
            raise CommandError(f"{file} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
        try:
            items = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as error:
            raise CommandError(f"{file} is not UTF-8 JSON: {error}") from None
        try:
            counts = import_knowledge(community=target, items=items, actor=None, replace=replace)
        except DomainError as error:
            detail = "; ".join(
                f"{name}: {' '.join(map(str, problems))}" for name, problems in error.fields.items()
            )
            raise CommandError(f"{error}{' ' + detail if detail else ''}") from None
        knowledge.refresh(target)  # embed new texts now, so the first question is fast
        self.stdout.write(json.dumps(counts, ensure_ascii=False))

    def _kb_export(self, *, community, **_):
        from hromada.chatbot.services import export_knowledge

        rows = export_knowledge(self._community(community))
        self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))

    def _kb_vectors(self, *, file, community, **_):
        from hromada.chatbot import knowledge

        count = knowledge.save_vectors(self._community(community), file)
        self.stdout.write(json.dumps({"vectors": count}))

    def _ask(self, *, text=None, community, **_):
        from hromada.chatbot import knowledge

        target = self._community(community)
        if text is not None:
            questions = [text]
        else:
            if hasattr(sys.stdin, "reconfigure"):
                sys.stdin.reconfigure(encoding="utf-8", errors="replace")
            questions = (line.rstrip("\r\n") for line in sys.stdin)
        for question in questions:
            result = knowledge.answer(target, question)
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            self.stdout.flush()

    def _set_webhook(self, *, community, bot=None, base_url=None, **_):
        from hromada.chatbot import telegram, viber
        from hromada.chatbot.models import Bot
        from hromada.core.notifications import site_url

        target = self._community(community)
        base = (base_url or site_url(target)).rstrip("/")
        if not base.startswith("https://"):
            raise CommandError(
                f"Telegram and Viber post only to HTTPS addresses, not {base!r}: "
                "give --base-url https://..."
            )
        bots = Bot.objects.filter(community=target, active=True).order_by("pk")
        if bot is not None:
            bots = bots.filter(pk=bot)
        failed = 0
        found = False
        for row in bots:
            found = True
            url = f"{base}/chatbot/{row.channel}/{row.pk}/"
            outcome = {"bot": row.pk, "channel": row.channel, "url": url, "ok": True}
            token = row.token
            try:
                if not token:
                    raise ValueError("no token: enter it in the back office (Chatbot → Bots)")
                if row.channel == Bot.Channel.TELEGRAM:
                    telegram.TelegramClient(token).set_webhook(url, row.secret)
                else:
                    viber.ViberClient(token, name=row.name).set_webhook(url)
            except (telegram.ApiError, viber.ApiError) as error:
                outcome.update(ok=False, error=f"{error.code} {error.description}".strip())
            except ValueError as error:
                outcome.update(ok=False, error=str(error))
            failed += not outcome["ok"]
            self.stdout.write(json.dumps(outcome, ensure_ascii=False))
        if not found:
            raise CommandError("No active bot found: add one in the back office (Chatbot → Bots).")
        if failed:
            raise CommandError(f"{failed} bot(s) could not be registered.")
