// buffer-protocol/npy: NumPy's .npy files and .npz archives.
export { createNpy, loadNpy, npyHeader, readNpyHeader, saveNpy, descrToFormat, formatToDescr } from './npy';
export type { CreateNpyOptions, LoadNpyOptions, NpyHeader, SaveNpyOptions } from './npy';
export { loadNpz, npzMember, saveNpz } from './npz';
export type { NpzMember } from './npz';
export { createSharedMemory, openSharedMemory, SharedMemory } from './shm';
export type { CreateSharedMemoryOptions, SharedMemoryOptions } from './shm';
