import path from 'node:path';
import mime from 'mime';

/** What a file's extension says about how to serve it. */
export interface MediaType {
  /** The Content-Type value. */
  readonly type: string;
  /**
   * True when a browser opening the file directly could run script in our origin: SVG, and
   * anything that is not a raster image (HTML dropped into the root, say). Those get {@link SANDBOX_CSP}.
   */
  readonly sandbox: boolean;
}

/**
 * No script, no plugins, no loads from anywhere; inline styles and data: images, which SVG
 * illustrations use, still render. `sandbox` also gives the document an opaque origin.
 */
export const SANDBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

const OCTET_STREAM: MediaType = { type: 'application/octet-stream', sandbox: true };
const byExtension = new Map<string, MediaType>();

/** The media type for a file name, from the `mime` package's IANA-based table; memoized per extension. */
export function mediaTypeOf(file: string): MediaType {
  const ext = path.extname(file).slice(1).toLowerCase();
  let media = byExtension.get(ext);
  if (media === undefined) {
    const type = mime.getType(ext);
    media = type === null ? OCTET_STREAM : { type, sandbox: type === 'image/svg+xml' || !type.startsWith('image/') };
    // The table of extensions in one root is small; unknown ones all share OCTET_STREAM.
    if (byExtension.size < 1000) byExtension.set(ext, media);
  }
  return media;
}

/** The media type of a sharp output format. */
export function mediaTypeOfFormat(format: string): MediaType {
  return mediaTypeOf(`x.${format}`);
}
