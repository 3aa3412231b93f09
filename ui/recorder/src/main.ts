// The recipient's page: reads the path, resolves the link (or a campaign page's handle), then
// hands over to the recorder screens. Every word comes from strings.ts.

import "./style.css";
import type { PublicCampaign, PublicLink } from "../../bindings/protocol";
import { claimLink, fetchCampaign, fetchLink } from "./api";
import { h, show } from "./dom";
import { isDeadEnd, problemText, serverMessageIsSpecific } from "./errors";
import { showDeadEnd, showProblem } from "./pages";
import { startRecorder } from "./recorder";
import { parseRoute } from "./route";
import { shownLanguage, stringsFor, type Strings } from "./strings";

function useLanguage(language: string | null | undefined, overrides: Record<string, string> = {}): Strings {
  const strings = stringsFor(language, overrides);
  document.documentElement.lang = shownLanguage(language);
  document.title = strings.pageTitle;
  return strings;
}

async function openLink(token: string, fallbackLanguage: string): Promise<void> {
  const result = await fetchLink(token);
  if (result.ok) {
    begin(result.value);
    return;
  }
  const strings = useLanguage(fallbackLanguage);
  const { problem } = result;
  if (isDeadEnd(problem.code)) showDeadEnd(problem.code, strings);
  else showProblem(problem, strings, () => void openLink(token, fallbackLanguage));
}

function begin(link: PublicLink): void {
  const strings = useLanguage(link.language, link.strings);
  // A link with videos it delivered thanks for them (the recorder's "received" screen), even
  // when it takes no more.
  if (link.uploads_left <= 0 && link.videos_received === 0) {
    showDeadEnd("limit_reached", strings);
    return;
  }
  startRecorder(link, strings);
}

async function openCampaign(slug: string, fallbackLanguage: string): Promise<void> {
  const result = await fetchCampaign(slug);
  if (result.ok) {
    askHandle(result.value);
    return;
  }
  const strings = useLanguage(fallbackLanguage);
  const { problem } = result;
  if (isDeadEnd(problem.code)) showDeadEnd(problem.code, strings);
  else showProblem(problem, strings, () => void openCampaign(slug, fallbackLanguage));
}

/** A campaign page: the visitor says who they are, and gets a link of their own. */
function askHandle(campaign: PublicCampaign): void {
  const strings = useLanguage(campaign.language, campaign.strings);
  const input = h("input", {
    type: "text",
    name: "handle",
    required: true,
    autocomplete: "username",
    autocapitalize: "none",
    autocorrect: "off",
    spellcheck: "false",
    inputmode: "text",
    placeholder: strings.handlePlaceholder,
    "data-testid": "handle-input",
  });
  const error = h("p", { class: "error", role: "alert", "data-testid": "handle-error", hidden: true });
  const submit = h("button", { type: "submit", class: "primary", "data-testid": "handle-continue" }, strings.handleContinue);
  const form = h(
    "form",
    { "data-testid": "handle-form", novalidate: true },
    h("label", { class: "field" }, h("span", {}, strings.handleLabel), input),
    error,
    submit,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    void claimLink(campaign.slug, input.value.trim()).then((result) => {
      submit.disabled = false;
      if (result.ok) {
        // From here on it is an ordinary personal link: a reload or a copied link opens it again.
        history.replaceState(null, "", `/r/${result.value.token}`);
        begin(result.value);
        return;
      }
      const { problem } = result;
      if (isDeadEnd(problem.code)) {
        showDeadEnd(problem.code, strings);
        return;
      }
      // Our sentence in the page's language; the server's message names what exactly is wrong.
      const detail = serverMessageIsSpecific(problem.code) ? problem.message : "";
      error.replaceChildren(
        problem.code === "invalid" ? strings.handleInvalid : strings[problemText(problem.code)],
        ...(detail ? [h("small", {}, detail)] : []),
      );
      error.hidden = false;
      input.focus();
    });
  });
  show(
    "handle",
    h("h1", { "data-testid": "campaign-title" }, campaign.title),
    campaign.prompt ? h("p", { class: "prompt", "data-testid": "prompt" }, campaign.prompt) : null,
    h("h2", {}, strings.handleTitle),
    form,
  );
}

function boot(): void {
  const app = document.getElementById("app");
  if (!app) return;
  // Tests wait for this: it proves the script (and so every asset) loaded.
  app.dataset.ready = "true";
  const browserLanguage = navigator.language || "en";
  const route = parseRoute(window.location.pathname);
  show("loading", h("p", { class: "muted" }, useLanguage(browserLanguage).loading));
  if (route.kind === "link") void openLink(route.token, browserLanguage);
  else if (route.kind === "campaign") void openCampaign(route.slug, browserLanguage);
  else showDeadEnd("not_found", useLanguage(browserLanguage));
}

boot();
