import { describe, expect, it } from "vitest";
import { consentText } from "./consent";
import { stringsFor } from "./strings";

describe("the consent sentence names who receives the video", () => {
  it("names_the_organisation_it_is_given", () => {
    expect(consentText("Crumb & Co.", stringsFor("en"))).toBe(
      "I agree that Crumb & Co. may keep this video and use it in its content.",
    );
    expect(consentText("Crumb & Co.", stringsFor("es"))).toBe(
      "Acepto que Crumb & Co. guarde este video y lo use en su contenido.",
    );
  });

  it("without_an_organisation_names_the_sender_neutrally_and_invents_no_name", () => {
    expect(consentText(null, stringsFor("en"))).toBe(
      "I agree that the team that sent me this link may keep this video and use it in its content.",
    );
    expect(consentText("   ", stringsFor("es"))).toBe(
      "Acepto que el equipo que me envió este enlace guarde este video y lo use en su contenido.",
    );
  });

  it("a_campaigns_own_wording_gets_the_organisation_and_an_older_campaign_placeholder_too", () => {
    const own = stringsFor("en", { consent: "{organisation} may share my clip." });
    expect(consentText("Crumb & Co.", own)).toBe("Crumb & Co. may share my clip.");
    const older = stringsFor("en", { consent: "I agree that {campaign} may keep this video." });
    expect(consentText("Crumb & Co.", older)).toBe("I agree that Crumb & Co. may keep this video.");
  });

  it("is_sent_with_its_spacing_as_the_page_shows_it", () => {
    const spaced = stringsFor("en", { consent: "  I agree that\n{organisation}   may keep it. " });
    expect(consentText(" Crumb  &  Co. ", spaced)).toBe("I agree that Crumb & Co. may keep it.");
  });

  it("leaves_no_placeholder_in_any_language", () => {
    for (const language of ["en", "es"]) {
      for (const organisation of ["Crumb & Co.", null]) {
        expect(consentText(organisation, stringsFor(language))).not.toMatch(/[{}]/);
      }
    }
  });
});
