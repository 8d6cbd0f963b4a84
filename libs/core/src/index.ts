export { SeededRandom, hashString32 } from './random.js';
export { loadNativeAddon, cpuFlags, type NativeAddonSpec } from './native-addon.js';
