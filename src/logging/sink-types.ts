export interface FileSinkOptions {
  /** Rotate once the live file reaches this many bytes; null: only on request. */
  maxSize: number | null;
  /** Rotated files kept (`x.1` … `x.keep`); 0 deletes the rotated file. */
  keep: number;
  /** Gzip rotated files (`x.1.gz` …), in the background after the rotation. */
  compress: boolean;
  /** Mode of created files; default 0o600. */
  mode?: number;
}

export interface SinkError {
  code: string;
  message: string;
  /** ISO time. */
  at: string;
}

export interface SinkStats {
  path: string;
  /** Size of the live file. */
  bytes: number;
  /** Lines written since the sink was opened, across rotations. */
  lines: number;
  /** Lines lost to failed writes since the sink was opened. */
  dropped: number;
  rotations: number;
  /** The most recent error of any kind (write, rotate, reopen, compress); kept after recovery. */
  lastError: SinkError | null;
  /** True while writes fail (between 'error-state' and 'recovered'). */
  failing: boolean;
}

export interface RotateResult {
  rotated: boolean;
  /** Where the old contents went (`x.1`, or `x.1.gz` once compressed); '' when nothing was kept. */
  to: string;
}
