"""The pages in a real browser, on a desktop and a phone: the diagram's markers and margins, the bell
menu, the sign-off's fields, focus after a refused form, and long business keys."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import DATA, ROOT

pytestmark = pytest.mark.browser
PASSWORD = "check-it-42"
LONG_KEY = "LOT-" + "X7" * 80
YELLOW, RED = "rgb(255, 213, 79)", "rgb(249, 208, 205)"


@pytest.fixture(scope="module")
def cases(live_server):
    """A checker in `inspectors` and `QA`, two rework checks (one with a very long key) and a release."""
    from app.services import identity
    from app.services.deployments import deploy
    from app.services.instances import start_instance

    _, app = live_server
    with app.app_context():
        boss = identity.create_user("layout-admin", roles="admin")
        identity.create_user("checker", password=PASSWORD)
        identity.add_to_group("checker", "inspectors")
        identity.add_to_group("checker", "QA")
        identity.add_to_group("checker", "receiving")  # (the remanufacturing case's first step)
        files = [(n, (DATA / "inbox" / n).read_bytes()) for n in ("rework.bpmn", "signed_release.bpmn")]
        deploy(files, boss)
        ids = {key: str(start_instance("rework", boss, {}, key)[0].id) for key in ("LOT-1", LONG_KEY)}
        start_instance("signed_release", boss, {}, "REL-1")
        wide = [ROOT / "bpmn" / "remanufacturing.bpmn", ROOT / "dmn" / "inspection_routing.dmn"]
        deploy([(path.name, path.read_bytes()) for path in wide], boss)
        ids["PART-9"] = str(start_instance("remanufacturing", boss, {}, "PART-9")[0].id)
        return ids


@pytest.fixture
def phone(browser, request):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Username").fill("checker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()


def open_case(page, base_url: str, key: str) -> None:
    page.goto(f"{base_url}/?tab=all&q={key}")
    page.locator("li.task h2 a").first.click()


def shape(page, element_id: str):
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    return page.locator(f'#diagram g.djs-element[data-element-id="{element_id}"]')


def fill_of(element) -> str:
    return element.locator(".djs-visual > :first-child").evaluate("node => getComputedStyle(node).fill")


def test_a_step_visited_before_shows_as_current_and_a_failed_gateway_as_failed(page, live_server, cases):
    base_url, _ = live_server
    sign_in(page, base_url)
    open_case(page, base_url, "LOT-1")
    page.get_by_label("Route").select_option("again")
    page.get_by_role("button", name="Complete").click()
    expect(page.locator(".flash-success")).to_contain_text("Next: Check part (offered to group inspectors)")
    check = shape(page, "check")
    expect(check).to_have_class("djs-element djs-shape baton-current")  # visited before, current now
    assert fill_of(check) == YELLOW

    page.get_by_label("Route").select_option("unsure")
    page.get_by_role("button", name="Complete").click()
    expect(page.locator(".flash-error")).to_contain_text("the case stopped with a problem")
    page.get_by_role("link", name="Open the case").click()
    gateway = shape(page, "gw")
    expect(gateway).to_have_class("djs-element djs-shape baton-failed")
    assert fill_of(gateway) == RED
    expect(page.locator(".legend")).to_contain_text("failed")


def test_the_diagram_keeps_a_margin_inside_its_frame(phone, live_server, cases):
    base_url, _ = live_server
    sign_in(phone, base_url)
    phone.goto(f"{base_url}/instances/{cases[LONG_KEY]}")
    frame = phone.locator("#diagram").bounding_box()
    for element_id in ("start", "end"):
        box = shape(phone, element_id).bounding_box()
        assert box["x"] >= frame["x"] + 16 and box["x"] + box["width"] <= frame["x"] + frame["width"] - 16


def test_the_bell_menu_fits_a_phone_and_closes_on_escape_or_a_click_outside(phone, live_server, cases):
    base_url, _ = live_server
    sign_in(phone, base_url)
    bell = phone.locator("#bell summary")
    bell.click()
    menu = phone.locator(".bell-menu")
    expect(menu.get_by_role("link").first).to_contain_text("New task: Check part (")  # names the case
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    phone.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(bell).to_be_focused()
    bell.click()
    expect(menu).to_be_visible()
    phone.mouse.click(195, 800)  # anywhere outside the menu
    expect(menu).to_be_hidden()


def test_a_refused_sign_off_keeps_its_layout_and_moves_focus_to_what_needs_fixing(page, live_server, cases):
    base_url, _ = live_server
    sign_in(page, base_url)
    open_case(page, base_url, "REL-1")
    approve = page.get_by_role("radio", name="Approve")
    assert approve.bounding_box()["width"] < 30  # a radio button, not a full-width field
    actions, card = (
        page.locator("main > .actions").bounding_box(),
        page.locator(".task-layout").bounding_box(),
    )
    assert card["y"] - (actions["y"] + actions["height"]) >= 12  # the buttons do not touch the cards

    page.get_by_label("Reason").fill("label smudged")
    page.get_by_role("button", name="Complete").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Decision: Choose approve or reject.")
    expect(page.get_by_label("Reason")).to_have_value("label smudged")
    summary.get_by_role("link", name="Batch number: This field is required.").click()
    expect(page.get_by_label("Batch number")).to_be_focused()


def test_a_long_business_key_and_wide_tables_never_widen_a_phone_page(phone, live_server, cases):
    base_url, _ = live_server
    sign_in(phone, base_url)
    for path in (f"/?tab=all&q={LONG_KEY}", f"/instances/{cases[LONG_KEY]}", "/sla"):
        phone.goto(base_url + path)
        assert page_width(phone) <= 390, path
    open_case(phone, base_url, LONG_KEY)
    expect(phone.locator(".crumbs")).to_contain_text(LONG_KEY)
    assert page_width(phone) <= 390


def page_width(page) -> int:
    if page.locator("#diagram").count():
        expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")  # drawn and fitted
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_phone_shows_the_tabs_in_one_row_and_the_first_task_on_the_first_screen(phone, live_server, cases):
    base_url, _ = live_server
    sign_in(phone, base_url)
    phone.goto(f"{base_url}/?tab=groups")
    tops = phone.locator(".tabs a").evaluate_all(
        "links => links.map(link => link.getBoundingClientRect().top)"
    )
    assert len(set(tops)) == 1  # not wrapped onto three rows
    last = phone.locator(".tabs a").last.bounding_box()
    assert last["x"] + last["width"] <= 390  # nor cut off at the edge
    first = phone.locator("li.task").first.bounding_box()
    assert first["y"] + 40 < 844  # the first task shows before any scrolling


def test_a_wide_process_on_a_phone_is_drawn_readable_around_the_current_step(phone, live_server, cases):
    base_url, _ = live_server
    sign_in(phone, base_url)
    phone.goto(f"{base_url}/instances/{cases['PART-9']}")
    current = shape(phone, "Task_receive").bounding_box()
    frame = phone.locator("#diagram").bounding_box()
    assert current["width"] >= 55  # a 100-unit task at a readable scale, not a speck
    assert frame["x"] <= current["x"] and current["x"] + current["width"] <= frame["x"] + frame["width"]
    assert frame["height"] <= 360  # no tall, mostly empty box around a short strip
    expect(phone.locator(".legend")).to_contain_text("drag the diagram")


def test_a_flash_naming_a_long_business_key_wraps_on_a_phone(phone, live_server, cases):
    base_url, _ = live_server
    sign_in(phone, base_url)
    phone.goto(f"{base_url}/start")
    card = phone.locator("li.card", has_text="Rework check")
    card.get_by_label("Business key").fill("KEY-" + "Z9" * 48)
    card.get_by_role("button", name="Start Rework check").click()
    expect(phone.locator(".flash-success")).to_contain_text("Started Rework check (KEY-Z9")
    assert page_width(phone) <= 390
