/**
 * What a walk over a value remembers of each object it met (to count or convert it once, and to end
 * on cycles): a `Map` by identity, except that the first few objects are kept in two short arrays.
 * Most cached values hold a handful of objects, and searching a few entries is cheaper than making
 * and filling a `Map`; memory tiers walk every value they store (freeze it, estimate its size), so
 * this is on the path of every load and Redis hit.
 */
const SHORT_LIMIT = 16

export class ObjectMemo<V> {
  private objects: object[] | undefined = []
  private values: V[] = []
  private map: Map<object, V> | undefined

  get(object: object): V | undefined {
    const objects = this.objects
    if (objects === undefined) return (this.map as Map<object, V>).get(object)
    const index = objects.indexOf(object)
    return index === -1 ? undefined : this.values[index]
  }

  /** Remembers `value` for an object not met before. */
  add(object: object, value: V): void {
    const objects = this.objects
    if (objects === undefined) {
      ;(this.map as Map<object, V>).set(object, value)
    } else if (objects.length < SHORT_LIMIT) {
      objects.push(object)
      this.values.push(value)
    } else {
      const map = new Map<object, V>()
      for (let i = 0; i < objects.length; i++) map.set(objects[i] as object, this.values[i] as V)
      this.map = map.set(object, value)
      this.objects = undefined
      this.values = []
    }
  }
}
