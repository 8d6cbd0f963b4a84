export { SeededRandom, hashString32 } from './random.js';
