export * from './bootstrap.js'
export * from './swarm.js'
