import { describe, expect, it } from "vitest";
import { deadEndText, isDeadEnd, parseProblem, problemText, serverMessageIsSpecific } from "./errors";
import { fill, stringsFor } from "./strings";

describe("what went wrong is told plainly", () => {
  it("the_servers_error_json_gives_its_code_and_message", () => {
    const body = JSON.stringify({ error: { code: "not_a_video", message: "the file is a PNG image" } });
    expect(parseProblem(422, body)).toEqual({ code: "not_a_video", message: "the file is a PNG image" });
  });

  it("an_answer_that_is_not_our_json_is_judged_by_its_status", () => {
    expect(parseProblem(404, "<html>Not Found</html>").code).toBe("not_found");
    expect(parseProblem(429, "").code).toBe("rate_limited");
    expect(parseProblem(502, "Bad gateway").code).toBe("unavailable");
    expect(parseProblem(0, "").code).toBe("network");
    expect(parseProblem(400, "null").code).toBe("internal");
    expect(parseProblem(400, JSON.stringify({ error: { code: "brand_new", message: "x" } })).code).toBe("internal");
  });

  it("unknown_expired_revoked_and_declined_links_each_say_something_different", () => {
    const en = stringsFor("en");
    const bodies = (["not_found", "expired", "revoked", "declined", "limit_reached"] as const).map((code) => en[deadEndText(code).body]);
    expect(new Set(bodies).size).toBe(5);
    expect(en[deadEndText("declined").title]).toMatch(/letting us know/);
    expect(parseProblem(404, JSON.stringify({ error: { code: "declined", message: "x" } })).code).toBe("declined");
    expect(en[deadEndText("revoked").title]).toMatch(/turned off/);
    expect(en[deadEndText("expired").title]).toMatch(/expired/);
  });

  it("a_link_problem_ends_the_visit_but_a_busy_server_does_not", () => {
    expect(isDeadEnd("revoked")).toBe(true);
    expect(isDeadEnd("declined")).toBe(true);
    expect(isDeadEnd("limit_reached")).toBe(true);
    expect(isDeadEnd("rate_limited")).toBe(false);
    expect(isDeadEnd("network")).toBe(false);
  });

  it("a_rejected_file_shows_the_servers_reason_and_a_busy_server_shows_ours", () => {
    expect(serverMessageIsSpecific("not_a_video")).toBe(true);
    expect(serverMessageIsSpecific("rate_limited")).toBe(false);
    const es = stringsFor("es");
    expect(fill(es[problemText("rate_limited")], {})).toMatch(/Espera un minuto/);
    expect(problemText("internal")).toBe("errorGeneric");
  });
});
