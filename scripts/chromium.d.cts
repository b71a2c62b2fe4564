/** Path of the Chromium binary the tests drive (see chromium.cjs). */
export declare const chromiumPath: string;
/** Flags for headless Chromium on this kind of machine (see chromium.cjs). */
export declare const chromiumArgs: readonly string[];
