// Pages that stop short of the recorder: a link that can take no video, or a problem to retry.

import { button, h, show } from "./dom";
import { deadEndText, problemText, type DeadEnd, type Problem } from "./errors";
import type { Strings } from "./strings";

/** The link can take no video (unknown, expired, revoked, used up): say which, show no recorder. */
export function showDeadEnd(code: DeadEnd, strings: Strings): void {
  const text = deadEndText(code);
  const screen = show(
    "dead-end",
    h("h1", {}, strings[text.title]),
    h("p", { "data-testid": "dead-end-reason" }, strings[text.body]),
  );
  screen.dataset.reason = code;
}

/** A problem worth another try (rate limit, network, busy server), with a button for it. */
export function showProblem(problem: Problem, strings: Strings, retry: () => void): void {
  const screen = show(
    "problem",
    h("p", { class: "error", role: "alert", "data-testid": "problem" }, strings[problemText(problem.code)]),
    button(strings.tryAgain, "try-again", retry),
  );
  screen.dataset.reason = problem.code;
}
