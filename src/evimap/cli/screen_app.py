"""The terminal screening screen (Textual): one record at a time, decided from the keyboard.

Keys: ``i`` include, ``e`` exclude, ``m`` maybe, ``1``-``9`` exclude with that reason, ``u``
undo the last decision, ``n`` write a note, ``t`` set tags (comma-separated), left and right
arrows back and forward, ``q`` quit. Everything goes through ``review.screening`` (each key
press is one committed decision), so blindness and validation are the core's; this module only
draws. Back and forward walk the order the queue serves the records, as on the web page
(``review.screening.navigation``).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Input, ProgressBar, Static

from evimap.errors import EvimapError
from evimap.members import Member
from evimap.review import Review
from evimap.screening.highlight import Span
from evimap.screening.navigation import Navigation
from evimap.screening.view import RecordView

STYLES = {"include": "bold green", "exclude": "bold red"}


def marked(text: str, spans: list[Span]) -> Text:
    """``text`` with the include / exclude keyword spans coloured."""
    out = Text(text or "")
    for span in spans:
        out.stylize(STYLES[span.kind], span.start, span.end)
    return out


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def order_words(o: dict) -> str:
    """How the queue is ordered, in words, from ``review.prioritise.ordering``."""
    if o.get("stopped"):
        stop = o["stopped"]
        return (
            f"The team stopped screening this stage ({stop['by']}): "
            "the records left are not needed."
        )
    if o.get("sample_next"):
        n = o["sample_next"]
        return (
            f"Your next {n} record{'s' if n != 1 else ''} were drawn at random for the stopping "
            "test: screen them as any other."
        )
    if not o.get("enabled"):
        return ""
    ranking = o.get("ranking")
    if ranking:
        return (
            f"Ordered by the model {o['model']}, learned from {ranking['training_size']} of your "
            f"decisions and settled records ({ranking['training_relevant']} relevant)."
        )
    return "In assignment order until you have made one include and one exclude."


class ScreenApp(App):
    """Screen the records assigned to one reviewer at one stage.

    :param review: the open review.
    :param stage: ``title_abstract`` or ``full_text``.
    :param member: who is screening.
    """

    TITLE = "evimap screen"
    CSS = """
    #progress { height: 1; margin: 0 1; }
    #meta { color: $text-muted; margin: 0 1; }
    #title { text-style: bold; margin: 1 1 0 1; }
    #abstract { margin: 1 1; }
    #reasons { margin: 0 1; color: $text-muted; }
    #order { margin: 0 1; color: $text-muted; }
    #status { margin: 0 1; height: 2; }
    #note { display: none; }
    #note.open { display: block; }
    """
    BINDINGS = [
        Binding("i", "decide('include')", "include"),
        Binding("e", "decide('exclude')", "exclude"),
        Binding("m", "decide('maybe')", "maybe"),
        Binding("u", "undo", "undo"),
        Binding("left", "back", "back"),
        Binding("right", "forward", "forward"),
        Binding("n", "note", "note"),
        Binding("t", "tags", "tags"),
        Binding("q", "quit", "quit"),
        *[Binding(str(k), f"reason({k})", "reason", show=False) for k in range(1, 10)],
    ]

    def __init__(self, review: Review, stage: str, member: Member):
        super().__init__()
        self.review = review
        self.stage = stage
        self.member = member
        self.current: RecordView | None = None
        self.where: Navigation | None = None
        self.input_mode = "note"
        # key "1".."9" -> reason code, the same keys the reasons line shows
        self.reasons = {key: code for key, code in review.screening.config.reason_keys() if key}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProgressBar(id="progress", show_eta=False)
        yield Static(id="meta")
        yield Static(id="order")
        with VerticalScroll():
            yield Static(id="title")
            yield Static(id="abstract")
        yield Static(id="reasons")
        yield Static(id="status")
        yield Input(placeholder="note (Enter saves, Esc cancels)", id="note")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.stage} as {self.member.name}"
        config = self.review.screening.config
        self.query_one("#reasons", Static).update(
            Text(
                "exclude with: "
                + "  ".join(
                    f"[{key}] {_short(config.reason_label(code))}"
                    for key, code in self.reasons.items()
                )
            )
        )
        # retrains in the background (when prioritisation is on); never blocks a key
        self.review.prioritise.serve(self.stage, member=self.member)
        self.show_next()

    # -- drawing ------------------------------------------------------------------------------

    def show(self, record_id: int | None) -> None:
        """Show a record (or the end screen when ``record_id`` is None), where it stands in
        the order the records are served, and the progress."""
        screening = self.review.screening
        where = screening.navigation(self.stage, record_id=record_id, member=self.member)
        self.where = where
        self.show_order()
        assigned, done = where.assigned, where.assigned - where.to_do
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(assigned, 1), progress=done)
        if record_id is None:
            self.current = None
            self.query_one("#meta", Static).update(Text(f"{done}/{assigned} done"))
            self.query_one("#title", Static).update("Nothing left to screen at this stage.")
            self.query_one("#abstract", Static).update("")
            return
        view = screening.record(self.stage, record_id, member=self.member)
        self.current = view
        record = view.record
        mine = f"  your call: {view.mine.decision} {view.mine.reason}" if view.mine else ""
        if view.others:  # only ever filled when the core lets this reviewer see them
            mine += "  others: " + ", ".join(
                f"{c.reviewer} {c.decision} {c.reason}".rstrip() for c in view.others
            )
        place = f"{where.position} of {assigned}  " if where.position else ""
        self.query_one("#meta", Static).update(
            Text(
                f"{place}record {record_id}  {record.year or ''}  {record.source_title}  "
                f"{record.doi}  [{done}/{assigned} done]{mine}"
            )
        )
        self.query_one("#title", Static).update(marked(record.title, view.highlights["title"]))
        self.query_one("#abstract", Static).update(
            marked(record.abstract or "(no abstract)", view.highlights["abstract"])
        )

    def show_order(self) -> None:
        """Say how the queue is ordered (the model, the stopping sample, or assignment order),
        and a failed background retrain, as the web page does."""
        o = self.review.prioritise.ordering(self.stage, member=self.member)
        words = order_words(o)
        error = (o.get("runner") or {}).get("error")
        line = Text(words)
        if error:
            line.append(
                f"  The last retrain failed: {error}; the queue keeps its last order.", "red"
            )
        self.query_one("#order", Static).update(line)

    def show_next(self) -> None:
        self.show(self.review.screening.next_todo(self.stage, member=self.member))

    def say(self, message: str, style: str = "") -> None:
        """Show ``message`` (plain text, never markup) in the status line."""
        self.query_one("#status", Static).update(Text(message, style=style))

    # -- actions ------------------------------------------------------------------------------

    def _decide(self, decision: str, reason: str = "") -> None:
        if self.current is None:
            return
        try:
            _, following = self.review.screening.decide_next(
                self.stage,
                self.current.record_id,
                decision,
                reason=reason,
                member=self.member,
            )
        except EvimapError as exc:
            self.say(str(exc), "red")
            return
        why = f" ({self.review.screening.config.reason_label(reason)})" if reason else ""
        self.say(f"record {self.current.record_id}: {decision}{why}")
        self.show(following)

    def action_decide(self, decision: str) -> None:
        """Include, exclude (without a reason) or maybe."""
        self._decide(decision)

    def action_reason(self, number: int) -> None:
        """Exclude with the reason that key ``number`` stands for."""
        code = self.reasons.get(str(number))
        if code is None:
            self.say(f"no reason {number}", "red")
            return
        self._decide("exclude", code)

    def action_back(self) -> None:
        """Show the record served before this one (from the end screen, the last one)."""
        if self.current is None:
            served = self.review.screening.queue(self.stage, member=self.member, todo_only=False)
            if served:
                self.show(served[-1])
        elif self.where is not None and self.where.back is not None:
            self.show(self.where.back)

    def action_forward(self) -> None:
        """Show the record served after this one."""
        if self.current is not None and self.where is not None and self.where.forward:
            self.show(self.where.forward)

    def action_undo(self) -> None:
        """Undo the last decision and show its record again."""
        try:
            undone = self.review.screening.undo(self.stage, member=self.member)
        except EvimapError as exc:
            self.say(str(exc), "red")
            return
        self.say(f"undone: record {undone.record_id}")
        self.show(undone.record_id)

    def action_note(self) -> None:
        """Open the note field for the current record."""
        self._open_input("note", "note (Enter saves, Esc cancels)", "")

    def action_tags(self) -> None:
        """Open the tag field (comma-separated) for the current record, with its tags."""
        current = ", ".join(self.current.my_tags) if self.current else ""
        self._open_input("tags", "tags, comma-separated (Enter saves, Esc cancels)", current)

    def _open_input(self, mode: str, placeholder: str, value: str) -> None:
        if self.current is None:
            return
        self.input_mode = mode
        field = self.query_one("#note", Input)
        field.placeholder = placeholder
        field.value = value
        field.add_class("open")
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        note = event.input
        text = event.value.strip()
        screening = self.review.screening
        if self.current is not None and (text or self.input_mode == "tags"):
            rid = self.current.record_id
            try:
                if self.input_mode == "tags":
                    tags = [t.strip() for t in text.split(",") if t.strip()]
                    screening.tag(self.stage, rid, tags, member=self.member)
                    self.current = screening.record(self.stage, rid, member=self.member)
                    self.say(f"tags on record {rid}: {', '.join(tags) or '(none)'}")
                else:
                    screening.note(self.stage, rid, text, member=self.member)
                    self.say(f"note saved on record {rid}")
            except EvimapError as exc:
                self.say(str(exc), "red")
        note.value = ""
        note.remove_class("open")
        self.set_focus(None)

    def on_key(self, event) -> None:
        note = self.query_one("#note", Input)
        if event.key == "escape" and note.has_class("open"):
            note.value = ""
            note.remove_class("open")
            self.set_focus(None)
            event.stop()
