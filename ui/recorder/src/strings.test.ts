import { describe, expect, it } from "vitest";
import { fill, shownLanguage, stringsFor } from "./strings";

describe("the page speaks the campaign's language", () => {
  it("a_spanish_campaign_reads_spanish", () => {
    const strings = stringsFor("es");
    expect(strings.startCamera).toBe("Grabar un video");
    expect(strings.doneTitle).toBe("¡Gracias!");
  });

  it("a_regional_tag_uses_its_language", () => {
    expect(stringsFor("es-MX").upload).toBe("Enviar video");
    expect(shownLanguage("ES_mx")).toBe("es");
  });

  it("a_language_we_do_not_have_reads_english", () => {
    expect(stringsFor("xx").upload).toBe("Send video");
    expect(stringsFor(null).upload).toBe("Send video");
    expect(shownLanguage("xx")).toBe("en");
  });

  it("a_campaign_can_reword_a_single_string", () => {
    const strings = stringsFor("es", { upload: "¡Mándalo!" });
    expect(strings.upload).toBe("¡Mándalo!");
    expect(strings.retake).toBe("Grabar de nuevo");
  });

  it("unknown_or_empty_overrides_are_ignored", () => {
    const strings = stringsFor("en", { nonsense: "x", toString: "y", upload: "  " });
    expect(strings.upload).toBe("Send video");
    expect(Object.keys(strings)).not.toContain("nonsense");
  });

  it("every_language_has_every_string", () => {
    const english = Object.keys(stringsFor("en")).sort();
    expect(Object.keys(stringsFor("es")).sort()).toEqual(english);
  });

  it("placeholders_are_filled_and_unknown_ones_stay_visible", () => {
    expect(fill("Hi {name}!", { name: "Maya" })).toBe("Hi Maya!");
    expect(fill("Hi {nme}!", { name: "Maya" })).toBe("Hi {nme}!");
  });
});
