// Types of bin/compile.mjs, for the tests and benches that call it.
export declare const ROOT: string;
export declare const OUT_DIR: string;
export declare const MANIFEST: string;
/** The compiled entry's path when dist-cli/ is fresh, else undefined. */
export declare function freshEntry(): string | undefined;
/** Builds dist-cli/ and returns the entry's path. */
export declare function compileCli(options?: { clean?: boolean }): Promise<string>;
