// The '#globals' import installs Node-like globals under Bare; under Node it is a no-op.
export {}
