// The anywidget model API and the trait readers moved to ../lib/model, where
// every view shares them; re-exported here so existing imports keep working.

export * from "../lib/model";
