from __future__ import annotations
import asyncio
from messenger.ui.account_dialog import AccountDialog
from messenger.ui.search_dialog import SearchDialog
from messenger.ui.theme import apply_theme
from tests.clientkit import PASSWORD, eventually, make_client


async def test_shots(qtbot, sessions, name, tmp_path, qapp) -> None:
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    await alice.set_profile(display_name="Alice Liddell")
    conv = alice.conversation_with(bob.username)
    texts = ["Lunch at noon? The new place near the <station> & the park", "the quick brown fox jumps over the lazy dog " * 5, "brown bread or white?", "see you"]
    for t in texts: alice.send_text(conv, t)
    await eventually(lambda: bob.store.timeline.count(conv) == len(texts))
    await eventually(lambda: bob.name_of(alice.username) == "Alice Liddell")
    laptop = make_client(bob.client.url, bob.username, tmp_path / "laptop", device="Laptop (Firefox)")
    await laptop.login(PASSWORD)
    for theme in ("light", "dark"):
        apply_theme(qapp, theme)
        qapp.processEvents()
        s = SearchDialog(bob); qtbot.addWidget(s); s.show()
        s.grab().save(f"/tmp/shots/search_empty_{theme}.png")
        s.search.setText("bro"); s.run_search(); await asyncio.sleep(0.1)
        s.grab().save(f"/tmp/shots/search_results_{theme}.png")
        s.search.setText("zebra"); s.run_search(); await asyncio.sleep(0.1)
        s.grab().save(f"/tmp/shots/search_none_{theme}.png")
        a = AccountDialog(bob); qtbot.addWidget(a); a.show()
        await asyncio.sleep(0.1)
        a.grab().save(f"/tmp/shots/account_profile_empty_{theme}.png")
        a.load_picture("/tmp/p.png")
        await asyncio.sleep(0.1)
        a.grab().save(f"/tmp/shots/account_profile_{theme}.png")
        a.tabs.setCurrentIndex(1)
        a.old_password.edit.setText("wrong one"); a.new_password.edit.setText("new password"); a.repeat_password.edit.setText("new password")
        await a.submit_password()
        a.grab().save(f"/tmp/shots/account_password_{theme}.png")
        a.tabs.setCurrentIndex(2)
        await a.refresh_devices()
        a.grab().save(f"/tmp/shots/account_devices_{theme}.png")
        a.sign_out.click(); await asyncio.sleep(0.1)
        a.confirm_box.grab().save(f"/tmp/shots/account_signout_{theme}.png")
        a.confirm_box.reject()
    await bob.revoke_sessions(None); await asyncio.sleep(0.3); await laptop.close(); laptop.store.close()
    qapp.styleHints().unsetColorScheme()
