"""An analyst records a sub-incident and its claims from a pasted paragraph."""

import re

from playwright.sync_api import expect

from casualties.models import Claim, Tally
from incidents.models import Actor, Incident
from sources.models import Report, Source
from tests.factories import SourceFactory

PARAGRAPH = (
    "Officials said five policemen were killed and more than 12 people were injured."
)


def test_an_analyst_adds_a_sub_incident_and_claims_extracted_from_text(
    log_in, reference_root
):
    page = log_in("analyst")
    page.goto(f"/incidents/{reference_root.pk}/")
    page.get_by_role("link", name="Add sub-incident").click()
    # The part starts from its whole's dates and place.
    expect(page.get_by_label("Start date")).to_have_value(
        reference_root.start_date.isoformat()
    )
    expect(page.get_by_label("Location (gazetteer number)")).to_have_value(
        str(reference_root.location_id)
    )

    page.get_by_label("Title").fill("Attack on a police post in Turbat")
    page.get_by_label("Type").select_option(label="Attack")
    page.get_by_label("Start date").fill("2026-01-31")
    page.get_by_label("Search the gazetteer").fill("Balochistan")
    page.get_by_role("list", name="Places found").get_by_role("button").first.click()
    expect(page.get_by_label("Location (gazetteer number)")).not_to_have_value("")
    page.get_by_role("button", name="Save incident").click()

    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    incident = Incident.objects.get(title="Attack on a police post in Turbat")
    assert incident.parent_id == reference_root.pk

    page.get_by_role("link", name="Add claims").click()
    page.get_by_label("Report text").fill(PARAGRAPH)
    page.get_by_role("button", name="Extract").click()
    keep = page.get_by_role("checkbox", name="Keep")
    expect(keep).to_have_count(2)
    expect(keep.first).to_be_checked()
    expect(page.locator("mark")).to_have_count(2)
    page.get_by_role("button", name="Save claims").click()

    page.wait_for_url(re.compile(rf"/incidents/{incident.pk}/$"))
    assert Claim.objects.filter(incident=incident).count() == 2
    tallies = page.locator("table.tallies")
    expect(tallies.get_by_role("row").filter(has_text="Police")).to_contain_text("5")
    expect(tallies.get_by_role("row").filter(has_text="Injured")).to_contain_text("13")
    killed = Tally.objects.get(
        incident=incident, group_id="police", outcome_id="killed"
    )
    assert (killed.low, killed.best) == (5, 5)


WIRE = (
    "The death toll rose to 17 on Saturday, a hospital spokesman said. Gunmen "
    "opened fire on a bus on the N-25 highway at 9:30 a.m., wounding a dozen "
    "others. Rescue 1122 said 1,500 travellers were stranded."
)


def test_extract_finds_what_wire_copy_says_and_nothing_else(log_in, reference_root):
    """A toll that "rose to" a figure and "a dozen others" wounded are found;
    the road, the time, "Rescue 1122" and the stranded travellers are not."""
    page = log_in("analyst")
    page.goto(f"/incidents/{reference_root.pk}/claims/new/")
    page.get_by_label("Report text").fill(WIRE)
    page.get_by_role("button", name="Extract").click()

    expect(page.get_by_role("checkbox", name="Keep")).to_have_count(2)
    expect(page.locator("mark")).to_have_text(["17", "a dozen others"])
    page.get_by_role("button", name="Save claims").click()

    page.wait_for_url(re.compile(rf"/incidents/{reference_root.pk}/$"))
    saved = {
        (c.outcome_id, c.low, c.high)
        for c in Claim.objects.filter(
            incident=reference_root, wording__in=["17", "a dozen others"]
        )
    }
    assert saved == {("killed", 17, 17), ("injured", 12, 12)}


def test_saving_figures_already_recorded_asks_first(log_in, reference_root):
    page = log_in("analyst")
    url = f"/incidents/{reference_root.pk}/claims/new/"
    before = Claim.objects.filter(incident=reference_root).count()
    for _ in range(2):
        page.goto(url)
        page.get_by_label("Report text").fill(PARAGRAPH)
        page.get_by_role("button", name="Extract").click()
        expect(page.get_by_role("checkbox", name="Keep")).to_have_count(2)
        page.get_by_role("button", name="Save claims").click()

    alert = page.locator("#duplicates")
    expect(alert).to_contain_text("Nothing was saved")
    expect(alert).to_contain_text("repeats claim")
    assert Claim.objects.filter(incident=reference_root).count() == before + 2
    expect(page.get_by_label("Report text")).to_have_value(PARAGRAPH)  # kept

    page.get_by_label("Save them anyway").check()
    page.get_by_role("button", name="Save claims").click()
    page.wait_for_url(re.compile(rf"/incidents/{reference_root.pk}/$"))
    assert Claim.objects.filter(incident=reference_root).count() == before + 4


THREE_SPEAKERS = (
    "Five policemen were killed, the army said. The group said its fighters "
    "killed 40 soldiers. Hospital officials said 12 people were wounded."
)


def test_one_pass_records_a_paragraph_with_three_claimants(log_in, reference_root):
    page = log_in("analyst")
    page.goto(f"/incidents/{reference_root.pk}/claims/new/")
    page.get_by_label("Report text").fill(THREE_SPEAKERS)
    page.get_by_role("button", name="Extract").click()

    sides = page.get_by_label("This figure's side")
    expect(sides).to_have_count(3)
    expect(sides.nth(0)).to_have_value("official")
    expect(sides.nth(1)).to_have_value("perpetrator")
    expect(sides.nth(2)).to_have_value("independent")
    expect(page.locator(".said-by")).to_have_text(
        ["Said by: the army", "Said by: The group", "Said by: Hospital officials"]
    )
    sides.nth(2).select_option("official")  # the analyst corrects one row
    page.get_by_role("button", name="Save claims").click()

    page.wait_for_url(re.compile(rf"/incidents/{reference_root.pk}/$"))
    saved = dict(
        Claim.objects.filter(
            incident=reference_root,
            wording__in=[
                "Five policemen were killed",
                "40 soldiers",
                "12 people were wounded",
            ],
        ).values_list("low", "side_id")
    )
    assert saved == {5: "official", 40: "perpetrator", 12: "official"}


def test_a_report_saved_without_figures_stays_on_the_incident(log_in, reference_root):
    page = log_in("analyst")
    page.goto(f"/incidents/{reference_root.pk}/")
    page.get_by_role("link", name="Add report").click()
    page.get_by_label("Source", exact=True).select_option(index=1)
    page.get_by_label("Title").fill("Levies statement on the Kalat attack")
    page.get_by_label("Excerpt").fill(PARAGRAPH)
    page.get_by_role("button", name=re.compile("Save")).click()
    page.wait_for_url(re.compile(r"/claims/new/\?report=\d+$"))

    page.goto(f"/incidents/{reference_root.pk}/")  # left without entering figures
    report = page.locator("#reports li").filter(has_text="Levies statement")
    expect(report).to_contain_text("no figures entered from it yet")
    report.get_by_role("link", name="Add claims from this report").click()
    expect(page.get_by_label("Report text")).to_have_value(PARAGRAPH)
    expect(page.get_by_label("Report", exact=True)).to_have_value(re.compile(r"^\d+$"))


def test_a_new_claimant_is_added_without_leaving_the_claims_page(
    log_in, reference_root
):
    page = log_in("analyst")
    page.goto(f"/incidents/{reference_root.pk}/claims/new/")
    page.get_by_label("Report text").fill(PARAGRAPH)
    page.get_by_role("button", name="Extract").click()
    expect(page.get_by_role("checkbox", name="Keep")).to_have_count(2)

    page.get_by_text("A claimant not in the list").click()
    page.get_by_label("Name", exact=True).fill("Turbat home department")
    page.get_by_label("Kind", exact=True).select_option(
        label="Ministry / government office"
    )
    page.get_by_role("button", name="Add this party").click()
    expect(page.get_by_role("status").filter(has_text="Added")).to_contain_text(
        "Added Turbat home department"
    )
    actor = Actor.objects.get(name="Turbat home department")
    expect(page.get_by_label("Claimant", exact=True)).to_have_value(str(actor.pk))
    expect(page.get_by_role("checkbox", name="Keep")).to_have_count(2)  # rows kept
    rows = page.get_by_label("This figure's claimant")
    expect(rows.nth(1).locator(f"option[value='{actor.pk}']")).to_have_count(1)
    expect(rows.nth(1)).not_to_have_value(str(actor.pk))  # offered, not chosen

    page.get_by_role("button", name="Save claims").click()
    page.wait_for_url(re.compile(rf"/incidents/{reference_root.pk}/$"))
    assert Claim.objects.filter(incident=reference_root, claimant=actor).count() == 2


def test_a_new_source_is_added_without_leaving_the_claims_page(log_in, reference_root):
    """Warned of a source like one already recorded, the analyst says it is
    another, and the new report of the saved claims comes from it."""
    SourceFactory(name="Dawn", kind=Source.Kind.NEWSPAPER)
    page = log_in("analyst")
    page.goto(f"/incidents/{reference_root.pk}/claims/new/")
    page.get_by_label("Report text").fill(PARAGRAPH)
    page.get_by_role("button", name="Extract").click()
    expect(page.get_by_role("checkbox", name="Keep")).to_have_count(2)

    page.get_by_text("Or a new report", exact=True).click()
    page.get_by_text("A source not in the list").click()
    page.get_by_label("Source name").fill("Dawn News")
    page.get_by_label("Source kind").select_option(label="Broadcaster")
    page.get_by_label("Reliability").select_option("C")
    page.get_by_role("button", name="Add this source").click()
    expect(
        page.get_by_role("alert").filter(has_text="already recorded")
    ).to_be_visible()
    expect(page.get_by_role("list", name="Sources already recorded")).to_contain_text(
        "Dawn: Newspaper / online news"
    )
    assert not Source.objects.filter(name="Dawn News").exists()

    page.get_by_label("It is a different source from those listed").check()
    page.get_by_role("button", name="Add this source").click()
    expect(page.get_by_role("status").filter(has_text="Added")).to_contain_text(
        "Added Dawn News: chosen as the source of the new report"
    )
    source = Source.objects.get(name="Dawn News")
    assert (source.kind, source.reliability) == ("broadcaster", "C")
    expect(page.get_by_label("Source", exact=True)).to_have_value(str(source.pk))
    expect(page.get_by_role("checkbox", name="Keep")).to_have_count(2)  # rows kept

    page.get_by_label("Report title").fill("Dawn News: attack on Kalat checkpoint")
    page.get_by_label("Claimant", exact=True).select_option(index=1)
    page.get_by_role("button", name="Save claims").click()
    page.wait_for_url(re.compile(rf"/incidents/{reference_root.pk}/$"))
    report = Report.objects.get(title="Dawn News: attack on Kalat checkpoint")
    assert report.source == source
    assert report.claims.count() == 2


def test_the_parent_is_picked_by_searching_its_title(log_in, reference_root):
    page = log_in("analyst")
    page.goto("/incidents/new/")
    page.get_by_label("Title").fill("Follow-up raid near Kalat")
    page.get_by_label("Type").select_option(label="Attack")
    page.get_by_label("Start date").fill("2026-02-02")
    page.get_by_label("Search incidents").fill(reference_root.title[:12])
    page.get_by_role("list", name="Incidents found").get_by_role("button").filter(
        has_text=reference_root.title
    ).click()
    expect(page.get_by_label("Parent incident (number)")).to_have_value(
        str(reference_root.pk)
    )
    expect(page.locator("#parent-chosen")).to_contain_text(reference_root.title)
    page.get_by_label("Search the gazetteer").fill("Balochistan")
    page.get_by_role("list", name="Places found").get_by_role("button").first.click()
    page.get_by_role("button", name="Save incident").click()

    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    assert Incident.objects.get(title="Follow-up raid near Kalat").parent_id == (
        reference_root.pk
    )


def test_competing_claims_of_responsibility_with_a_party_added_on_the_way(
    log_in, reference_root
):
    page = log_in("analyst")
    page.goto(f"/incidents/{reference_root.pk}/edit/")
    page.get_by_text("A party not in the lists").click()
    page.get_by_label("Name", exact=True).fill("Baloch Liberation Front")
    page.get_by_label("Kind", exact=True).select_option(label="Non-state armed group")
    page.get_by_label("Other names").fill("BLF")
    page.get_by_role("button", name="Add this party").click()
    expect(page.get_by_role("status").filter(has_text="Added")).to_contain_text(
        "Added Baloch Liberation Front"
    )
    blf = Actor.objects.get(name="Baloch Liberation Front")
    # Offered in every row, chosen in none.
    expect(page.get_by_label("Claimed by").last).to_have_value("")
    expect(page.locator(f"select.row-actor option[value='{blf.pk}']")).to_have_count(5)

    page.get_by_role("button", name="Add another claim").click()
    claimed_by = page.get_by_label("Claimed by")
    expect(claimed_by).to_have_count(3)  # the BLA's, the blank row, the new one
    claimed_by.nth(2).select_option(str(blf.pk))
    page.get_by_label("How").nth(2).fill("A statement to journalists")
    page.get_by_role("button", name="Add another actor").click()
    actors = page.get_by_label("Actor", exact=True)
    actors.last.select_option(str(blf.pk))
    page.get_by_label("Role").last.select_option(label="Suspected perpetrator")
    page.get_by_role("button", name="Save incident").click()

    page.wait_for_url(re.compile(rf"/incidents/{reference_root.pk}/$"))
    claims = list(
        reference_root.responsibility_claims.order_by("id").values_list(
            "actor__name", "how"
        )
    )
    assert claims[0][0] == "Baloch Liberation Army"
    assert claims[1] == ("Baloch Liberation Front", "A statement to journalists")
    assert reference_root.actor_roles.filter(
        actor=blf, role="suspected_perpetrator"
    ).exists()
    section = page.get_by_role("region", name="Claimed responsibility")
    expect(section).to_contain_text("Baloch Liberation Army")
    expect(section).to_contain_text("A statement to journalists")
