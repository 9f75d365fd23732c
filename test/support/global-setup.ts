// Placeholder: the testbed issue replaces this with the real services' start and stop.
export default async function setup(): Promise<void> {}
