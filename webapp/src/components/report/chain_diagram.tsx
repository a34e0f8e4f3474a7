import React from 'react';
import {FormattedMessage, useIntl} from 'react-intl';

import type {ChainLink} from '@cix/contract';

/** How a job reaches the compromised component: pipeline → orb → orb → script, workflow → composite action → action. */
export function ChainDiagram({chain}: {chain: ChainLink[]}): React.ReactElement {
    const intl = useIntl();
    if (chain.length === 0) {
        return (
            <p className='cix-muted cix-small'>
                <FormattedMessage id='cix.chain.empty' defaultMessage='No chain recorded.'/>
            </p>
        );
    }
    return (
        <ol
            className='cix-chain'
            aria-label={intl.formatMessage({id: 'cix.chain.label', defaultMessage: 'Chain from the pipeline to the component'})}
        >
            {chain.map((link, i) => (
                <li
                    // Links have no id; their position in the chain is their identity.
                    key={i}
                    className={link.unresolved ? 'cix-chain__link cix-chain__link--unresolved' : 'cix-chain__link'}
                >
                    <span className='cix-chain__kind'>{link.kind}</span>
                    <code className='cix-chain__ref'>{link.ref}</code>
                    {link.file && (
                        <span className='cix-muted cix-small'>{link.line === undefined ? link.file : `${link.file}:${link.line}`}</span>
                    )}
                    {link.unresolved && (
                        <span className='cix-small cix-chain__unresolved'>
                            <FormattedMessage id='cix.chain.unresolved' defaultMessage='not resolved'/>
                        </span>
                    )}
                </li>
            ))}
        </ol>
    );
}
