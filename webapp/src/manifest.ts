// Generated from plugin.json by scripts/gen-manifest.js. Do not edit.

export interface PluginManifest {
    readonly id: string;
    readonly name: string;
    readonly description: string;
    readonly version: string;
    readonly min_server_version: string;
}

export const manifest: PluginManifest = {
    "id": "ci-exposure",
    "name": "CI Exposure",
    "description": "Coordinates the response to a compromised CI/CD supply-chain component: which pipelines ran it, which credentials those jobs could read, what they could tamper with, and a checklist to see it through.",
    "version": "0.1.0",
    "min_server_version": "9.0.0"
};

export const pluginId = manifest.id;
export const version = manifest.version;
