"""Helpers for driving the real app headlessly."""

from __future__ import annotations

from textual.app import App


def screen_text(app: App) -> str:
    """What the terminal would show: the text of every rendered strip."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def settle(app: App, pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait for the scan (if any), then for workers, then for the screen to catch up."""
    session = getattr(app, "session", None)
    if session is not None:
        session.wait()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_screen(app: App, pilot, key: str, screen: type):  # type: ignore[no-untyped-def]
    """Settle, press `key` on the list, settle again: the screen it opens (checked)."""
    await settle(app, pilot)
    await pilot.press(key)
    await settle(app, pilot)
    assert isinstance(app.screen, screen)
    return app.screen


async def first_rows_held(pilot, held: list, count: int = 1) -> None:  # type: ignore[no-untyped-def]
    """Until `count` apps have drawn their first rows (a patched `first_rows_drawn`
    appends to `held`, so the scan waits for the test's word): bounded, so a
    regression fails instead of hanging."""
    for _ in range(2000):
        if len(held) >= count:
            return
        await pilot.pause()
    raise AssertionError("the first rows were never drawn")


def scan_held_midway(monkeypatch, landing: int = 3):  # type: ignore[no-untyped-def]
    """Small chunks, and the scan stopped at its `landing`-th landing until the test
    sets the returned event (set it in a `finally`): (event, the counts published)."""
    import threading

    from rolethread_tui.domain import engine as engine_module
    from rolethread_tui.domain import store

    monkeypatch.setattr(store, "FIRST_CHUNK", 8 << 10)  # ~25 entries, then
    monkeypatch.setattr(store, "CHUNK", 16 << 10)  # ~50 a chunk
    go_on, publish, published = threading.Event(), engine_module.Engine._publish, []

    def held_midway(self, count):  # type: ignore[no-untyped-def]
        published.append(count)
        if len(published) == landing:  # the scan stops here until the test is done
            go_on.wait(10)
        return publish(self, count)

    monkeypatch.setattr(engine_module.Engine, "_publish", held_midway)
    return go_on, published


async def search_for(app, pilot, query: str) -> None:  # type: ignore[no-untyped-def]
    """Settle, then `/query enter`, then settle: the list filtered."""
    await settle(app, pilot)
    await pilot.press("slash", *query, "enter")
    await settle(app, pilot)
