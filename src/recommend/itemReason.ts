/** A short reason for a recommended item, in words a shopper reads ("because you viewed X"). */
export function itemReason(strategy: string, becauseTitle: string | undefined): string {
  switch (strategy) {
    case 'collaborative': return becauseTitle === undefined ? 'recommended for you' : `because you viewed ${becauseTitle}`;
    case 'viewed-together': return becauseTitle === undefined ? 'viewed together with items you looked at' : `because you viewed ${becauseTitle}`;
    case 'session': return becauseTitle === undefined ? 'related to what you are looking at' : `related to ${becauseTitle}, viewed just now`;
    case 'bought-together': return becauseTitle === undefined ? 'often bought together' : `often bought with ${becauseTitle}`;
    case 'content': return becauseTitle === undefined ? 'similar to what you looked at' : `similar to ${becauseTitle}`;
    case 'popular': return 'popular';
    case 'trending': return 'trending now';
    default: return strategy;
  }
}
