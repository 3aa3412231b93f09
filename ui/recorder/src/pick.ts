// A picked file is checked before anything else happens: a document or a photo is refused at
// once, with the file named, rather than after consent and a wasted upload. The server still
// checks the bytes; this only catches what the file itself says it is.

/** Why a picked file can't be a video; each has its own sentence in strings.ts. */
export type Refusal = "empty" | "text" | "image" | "audio" | "document" | "other";

const VIDEO_EXTENSIONS = new Set(["mp4", "m4v", "mov", "qt", "webm", "mkv", "3gp", "3g2", "avi", "mpeg", "mpg", "ogv", "wmv", "flv", "hevc"]);
const DOCUMENT_EXTENSIONS = new Set(["pdf", "doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "ppt", "pptx", "odp", "pages", "key", "numbers"]);
const TEXT_EXTENSIONS = new Set(["txt", "csv", "md", "json", "html", "htm", "xml", "log"]);
const IMAGE_EXTENSIONS = new Set(["jpg", "jpeg", "png", "gif", "heic", "heif", "webp", "bmp", "tif", "tiff", "svg"]);
const AUDIO_EXTENSIONS = new Set(["mp3", "m4a", "aac", "wav", "ogg", "oga", "opus", "flac", "amr"]);

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

function kindOfExtension(extension: string): Refusal | null {
  if (TEXT_EXTENSIONS.has(extension)) return "text";
  if (IMAGE_EXTENSIONS.has(extension)) return "image";
  if (AUDIO_EXTENSIONS.has(extension)) return "audio";
  if (DOCUMENT_EXTENSIONS.has(extension)) return "document";
  return null;
}

function kindOfType(type: string): Refusal {
  if (type.startsWith("text/")) return "text";
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("audio/")) return "audio";
  if (
    type === "application/pdf" ||
    type === "application/rtf" ||
    type === "application/msword" ||
    type.startsWith("application/vnd.ms-") ||
    type.startsWith("application/vnd.openxmlformats") ||
    type.startsWith("application/vnd.oasis.opendocument") ||
    type.startsWith("application/vnd.apple.")
  ) {
    return "document";
  }
  return "other";
}

/**
 * Null when the file may be a video; else why not. A video extension wins over the type,
 * because phones' pickers mislabel videos (`audio/webm`, `application/octet-stream`) and
 * a wrongly refused video would be worse than a wrongly sent file, which the server refuses.
 * With no type and an extension we don't know, the server decides.
 */
export function refusalOf(file: Pick<File, "name" | "type" | "size">): Refusal | null {
  if (file.size === 0) return "empty";
  const extension = extensionOf(file.name);
  if (VIDEO_EXTENSIONS.has(extension)) return null;
  const type = file.type.trim().toLowerCase();
  if (type.startsWith("video/")) return null;
  if (type === "" || type === "application/octet-stream") return kindOfExtension(extension);
  return kindOfType(type);
}
