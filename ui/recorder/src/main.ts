// The recipient's page. For now it proves the page's script runs; the recorder follows.

import { linkToken } from "./token";

const app = document.getElementById("app");
if (app) {
  const token = linkToken(window.location.pathname);
  app.dataset.ready = "true";
  app.textContent = token ? "Your recording page is loading." : "This link is not valid.";
}
