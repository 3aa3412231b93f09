// The consent sentence: it names who receives the video — the organisation the server names
// for the link — and these exact words are sent with the upload and kept with the video.

import { fill, type Strings } from "./strings";

/**
 * The sentence next to the checkbox. `organisation` is the link's (the campaign's, else the
 * server's); without one, a neutral phrase stands in, never the campaign's title. A campaign
 * override written with the older `{campaign}` placeholder gets the same party.
 */
export function consentText(organisation: string | null | undefined, strings: Strings): string {
  const named = organisation?.trim();
  const party = named ? named : strings.consentUnnamedParty;
  // Runs of spaces and line breaks collapse as HTML shows them, so the words sent are the
  // words seen, letter for letter.
  return fill(strings.consent, { organisation: party, campaign: party }).replace(/\s+/g, " ").trim();
}
