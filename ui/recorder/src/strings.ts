// The page's own words, every one of them, by language; a campaign picks the table with its
// `language` and may override single keys with its `strings`.

const en = {
  pageTitle: "Record a video",
  loading: "Loading…",
  greeting: "Hi {name}!",
  maxLength: "Up to {duration}.",
  startCamera: "Record a video",
  chooseFile: "Choose a video instead",
  record: "Start recording",
  stop: "Stop",
  timeLeft: "{time} left",
  recording: "Recording",
  cameraStarting: "Starting your camera…",
  reviewTitle: "How does it look?",
  retake: "Record again",
  chooseAnother: "Choose another video",
  // {organisation} is who receives the video (the campaign's or the server's organisation),
  // never the campaign's title; with no organisation set, consentUnnamedParty stands in, so
  // the page names no one it was not told to.
  consent: "I agree that {organisation} may keep this video and use it in its content.",
  consentUnnamedParty: "the team that sent me this link",
  consentNeeded: "Please tick the box above to send your video.",
  upload: "Send video",
  uploadingTitle: "Sending your video…",
  uploadPercent: "{n}%",
  uploadTimeLeft: "about {time} left",
  uploadWaiting: "Connection lost. It will continue by itself when you are back online — keep this page open.",
  uploadRetrying: "Connection is slow, still trying…",
  uploadKeepOpen: "Please keep this page open until it is done.",
  tryAgain: "Try again",
  doneTitle: "Thank you!",
  doneBody: "Your video has arrived. You can close this page now.",
  // A link opened again after it delivered a video: {n} is how many arrived.
  receivedTitle: "We have your video, thank you!",
  receivedTitleMany: "We have your {n} videos, thank you!",
  receivedMore: "You can send another one if you like.",
  receivedClose: "There is nothing more to do: you can close this page.",
  sendAnother: "Send another video",
  switchCamera: "Switch camera",
  // A picked file that is no video, refused before consent: {file} is its name, {reason} one of fileIs….
  fileRefused: "“{file}” can't be sent: {reason} Please choose a video.",
  fileIsEmpty: "the file is empty.",
  fileIsText: "it is a text file, not a video.",
  fileIsImage: "it is a photo, not a video.",
  fileIsAudio: "it is a sound recording, not a video.",
  fileIsDocument: "it is a document, not a video.",
  fileIsOther: "it is not a video file.",
  inAppTitle: "Open this page in your browser",
  inAppBody: "TikTok's built-in browser can't use your camera. Open this link in {browser} to record:",
  cameraFailedTitle: "We can't reach your camera",
  cameraFailedBody: "Your camera is blocked here. Open this link in {browser}, or allow the camera and try again:",
  inAppStep1: "Tap ••• (top right corner).",
  inAppStep2: "Tap “Open in browser”.",
  inAppStep3: "Or copy the link and paste it into {browser}.",
  copyLink: "Copy link",
  copied: "Link copied!",
  copyManually: "Press and hold the link to copy it.",
  tryCamera: "Try the camera anyway",
  orChooseFile: "Or send a video you already have:",
  handleTitle: "What's your TikTok username?",
  handleLabel: "Your TikTok username",
  handlePlaceholder: "@username",
  handleContinue: "Continue",
  handleInvalid: "That username doesn't look right.",
  errorNotFoundTitle: "This link doesn't work",
  errorNotFound: "We can't find this link. Please check that you copied all of it.",
  errorExpiredTitle: "This link has expired",
  errorExpired: "This link is no longer open for videos. Thank you for your interest!",
  errorRevokedTitle: "This link was turned off",
  errorRevoked: "The sender turned this link off, so it can't take videos any more.",
  errorDeclinedTitle: "Thanks for letting us know",
  errorDeclined: "You said no thanks, so we won't ask you again.",
  noThanks: "No thanks",
  declineTitle: "No video? No problem.",
  declineReasonLabel: "If you like, tell us why (optional)",
  declineSend: "Send “no thanks”",
  declineBack: "Back",
  errorLimitTitle: "You've already sent a video",
  errorLimit: "This link has taken all the videos it can. Thank you!",
  errorNotAVideo: "This file isn't a video we can use. Please choose another one.",
  errorRateLimited: "Too many tries in a short time. Please wait a minute and try again.",
  errorNetwork: "We can't reach the server. Check your connection and try again.",
  errorUnavailable: "The server is busy right now. Please try again in a minute.",
  errorGeneric: "Something went wrong. Please try again.",
  errorNoRecorder: "This browser can't record video. Choose a video from your phone instead.",
  errorEmptyRecording: "Nothing was recorded. Please try again.",
  seconds: "{n} s",
  minutes: "{n} min",
  minutesSeconds: "{m} min {s} s",
};

/** Every key the page uses; a table or an override may only fill these. */
export type StringKey = keyof typeof en;
export type Strings = Record<StringKey, string>;

const es: Strings = {
  pageTitle: "Graba un video",
  loading: "Cargando…",
  greeting: "¡Hola, {name}!",
  maxLength: "Hasta {duration}.",
  startCamera: "Grabar un video",
  chooseFile: "Elegir un video",
  record: "Empezar a grabar",
  stop: "Detener",
  timeLeft: "Quedan {time}",
  recording: "Grabando",
  cameraStarting: "Encendiendo la cámara…",
  reviewTitle: "¿Qué tal quedó?",
  retake: "Grabar de nuevo",
  chooseAnother: "Elegir otro video",
  consent: "Acepto que {organisation} guarde este video y lo use en su contenido.",
  consentUnnamedParty: "el equipo que me envió este enlace",
  consentNeeded: "Marca la casilla de arriba para enviar tu video.",
  upload: "Enviar video",
  uploadingTitle: "Enviando tu video…",
  uploadPercent: "{n} %",
  uploadTimeLeft: "quedan unos {time}",
  uploadWaiting: "Se perdió la conexión. Seguirá sola cuando vuelvas a tener internet; no cierres esta página.",
  uploadRetrying: "La conexión es lenta, seguimos intentando…",
  uploadKeepOpen: "No cierres esta página hasta que termine.",
  tryAgain: "Intentar de nuevo",
  doneTitle: "¡Gracias!",
  doneBody: "Tu video llegó. Ya puedes cerrar esta página.",
  receivedTitle: "Ya tenemos tu video, ¡gracias!",
  receivedTitleMany: "Ya tenemos tus {n} videos, ¡gracias!",
  receivedMore: "Si quieres, puedes enviar otro.",
  receivedClose: "No hace falta nada más: ya puedes cerrar esta página.",
  sendAnother: "Enviar otro video",
  switchCamera: "Cambiar de cámara",
  fileRefused: "No se puede enviar «{file}»: {reason} Elige un video, por favor.",
  fileIsEmpty: "el archivo está vacío.",
  fileIsText: "es un archivo de texto, no un video.",
  fileIsImage: "es una foto, no un video.",
  fileIsAudio: "es una grabación de sonido, no un video.",
  fileIsDocument: "es un documento, no un video.",
  fileIsOther: "no es un archivo de video.",
  inAppTitle: "Abre esta página en tu navegador",
  inAppBody: "El navegador de TikTok no puede usar tu cámara. Abre este enlace en {browser} para grabar:",
  cameraFailedTitle: "No podemos usar tu cámara",
  cameraFailedBody: "La cámara está bloqueada aquí. Abre este enlace en {browser} o permite la cámara e inténtalo de nuevo:",
  inAppStep1: "Toca ••• (arriba a la derecha).",
  inAppStep2: "Toca «Abrir en el navegador».",
  inAppStep3: "O copia el enlace y pégalo en {browser}.",
  copyLink: "Copiar enlace",
  copied: "¡Enlace copiado!",
  copyManually: "Mantén pulsado el enlace para copiarlo.",
  tryCamera: "Probar la cámara de todos modos",
  orChooseFile: "O envía un video que ya tengas:",
  handleTitle: "¿Cuál es tu usuario de TikTok?",
  handleLabel: "Tu usuario de TikTok",
  handlePlaceholder: "@usuario",
  handleContinue: "Continuar",
  handleInvalid: "Ese usuario no parece correcto.",
  errorNotFoundTitle: "Este enlace no funciona",
  errorNotFound: "No encontramos este enlace. Comprueba que lo copiaste completo.",
  errorExpiredTitle: "Este enlace caducó",
  errorExpired: "Este enlace ya no acepta videos. ¡Gracias por tu interés!",
  errorRevokedTitle: "Este enlace fue desactivado",
  errorRevoked: "Quien te lo envió desactivó este enlace, así que ya no acepta videos.",
  errorDeclinedTitle: "Gracias por avisarnos",
  errorDeclined: "Dijiste que no, así que no te lo volveremos a pedir.",
  noThanks: "No, gracias",
  declineTitle: "¿Sin video? No pasa nada.",
  declineReasonLabel: "Si quieres, dinos por qué (opcional)",
  declineSend: "Enviar “no, gracias”",
  declineBack: "Volver",
  errorLimitTitle: "Ya enviaste un video",
  errorLimit: "Este enlace ya recibió todos los videos que admite. ¡Gracias!",
  errorNotAVideo: "Este archivo no es un video que podamos usar. Elige otro, por favor.",
  errorRateLimited: "Demasiados intentos seguidos. Espera un minuto e inténtalo de nuevo.",
  errorNetwork: "No podemos conectar con el servidor. Revisa tu conexión e inténtalo de nuevo.",
  errorUnavailable: "El servidor está ocupado. Inténtalo de nuevo en un minuto.",
  errorGeneric: "Algo salió mal. Inténtalo de nuevo.",
  errorNoRecorder: "Este navegador no puede grabar video. Elige un video de tu teléfono.",
  errorEmptyRecording: "No se grabó nada. Inténtalo de nuevo.",
  seconds: "{n} s",
  minutes: "{n} min",
  minutesSeconds: "{m} min {s} s",
};

const tables: Record<string, Strings> = { en, es };

/** The languages the page speaks, by primary tag; the desktop's campaign editor offers these. */
export const pageLanguages: readonly string[] = Object.keys(tables);

/** The primary subtag of a language tag, lower-cased: `es-MX` → `es`. */
function primaryLanguage(tag: string): string {
  return tag.trim().toLowerCase().split(/[-_]/)[0] ?? "";
}

function isStringKey(key: string): key is StringKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/**
 * The table for `language` (English when we have none for it) with the campaign's overrides
 * laid over it. Override keys the page does not use, and empty values, are ignored so a
 * typo in a campaign can't blank a button.
 */
export function stringsFor(language: string | null | undefined, overrides: Record<string, string> = {}): Strings {
  const table = tables[primaryLanguage(language ?? "")] ?? en;
  const strings: Strings = { ...table };
  for (const [key, value] of Object.entries(overrides)) {
    if (isStringKey(key) && typeof value === "string" && value.trim() !== "") strings[key] = value;
  }
  return strings;
}

/** The HTML `lang` for a table: the language we actually show, not the one asked for. */
export function shownLanguage(language: string | null | undefined): string {
  const primary = primaryLanguage(language ?? "");
  return tables[primary] ? primary : "en";
}

/** Fills `{name}`-style placeholders; unknown ones stay visible so a mistake shows. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
